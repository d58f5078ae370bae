namespace Sidecars.Writer;

/// <summary>
/// Where ticks fall: on the wall-clock boundaries of the interval (multiples of it since the Unix epoch),
/// so with one second every line starts a new second and hours of running add no drift. Pure: the
/// caller passes the clock's reading, so this is tested without waiting.
/// </summary>
internal sealed class TickSchedule
{
    private readonly long _intervalTicks;
    private readonly long _toleranceTicks;

    public TickSchedule(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Interval = interval;
        _intervalTicks = interval.Ticks;
        // A tick reached within half an interval of its boundary is on time (timers are a little late,
        // a disk may be slow); later than that it is missed and the next boundary is waited for instead.
        _toleranceTicks = interval.Ticks / 2;
    }

    public TimeSpan Interval { get; }

    /// <summary>The boundary at or before <paramref name="now"/>.</summary>
    public DateTimeOffset Floor(DateTimeOffset now)
    {
        long sinceEpoch = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long floored = sinceEpoch - Mod(sinceEpoch, _intervalTicks);
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + floored, TimeSpan.Zero);
    }

    /// <summary>
    /// What counts as the last tick before the first one, for a start at <paramref name="now"/>: the first
    /// line is then the first boundary at or after the start, never a time before it.
    /// </summary>
    public DateTimeOffset BeforeFirst(DateTimeOffset now)
    {
        var floor = Floor(now);
        return floor == now ? floor.AddTicks(-_intervalTicks) : floor;
    }

    /// <summary>
    /// What counts as the last tick written when the clock has stepped back to <paramref name="now"/>: the ticks
    /// start again from the new time as if nothing had been written, and a boundary reached on time (within half
    /// an interval) is written at once, like any tick whose timer fired a little late.
    /// </summary>
    public DateTimeOffset RestartAt(DateTimeOffset now)
    {
        var floor = Floor(now);
        return (now - floor).Ticks <= _toleranceTicks ? floor.AddTicks(-_intervalTicks) : floor;
    }

    /// <summary>
    /// The tick to write next given the clock now and the last tick written (or <see cref="BeforeFirst"/>).
    /// Due may be at or before <paramref name="now"/> (write it now) or after it (wait, then ask again:
    /// a timer that fires early, or a clock that stepped back a little, gets the same tick again, never a
    /// second line for a tick already written). Missed counts the boundaries after
    /// <paramref name="last"/> that are skipped because they were reached too late. A clock that stepped
    /// back further than the interval would wait all that way here: the caller starts again from
    /// <see cref="RestartAt"/> the new time instead.
    /// </summary>
    public PlannedTick Plan(DateTimeOffset now, DateTimeOffset last)
    {
        var floor = Floor(now);
        var due = (now - floor).Ticks <= _toleranceTicks ? floor : floor.AddTicks(_intervalTicks);
        if (due <= last)
        {
            due = last.AddTicks(_intervalTicks);
        }
        long missed = (due - last).Ticks / _intervalTicks - 1;
        return new PlannedTick(due, missed);
    }

    private static long Mod(long value, long divisor)
    {
        long r = value % divisor;
        return r < 0 ? r + divisor : r;
    }
}
