namespace Sidecars.Writer;

/// <summary>Which way the wall clock jumped.</summary>
internal enum ClockStepDirection
{
    /// <summary>The wall clock moved as the monotonic clock did (give or take the threshold).</summary>
    None,

    /// <summary>The wall clock jumped ahead (NTP step, <c>date -s</c>, a resumed VM).</summary>
    Forward,

    /// <summary>The wall clock jumped back: ticks already written lie in its future.</summary>
    Backward,
}

/// <summary>A jump of the wall clock and its size (negative when backward).</summary>
internal readonly record struct ClockStep(ClockStepDirection Direction, TimeSpan Size);

/// <summary>
/// Tells a step of the wall clock from a pause of the process: between two readings a pause moves the wall clock
/// and the monotonic clock alike, a step moves only the wall clock. Pure: the caller passes both readings.
/// </summary>
internal sealed class ClockStepDetector(TimeSpan threshold)
{
    private DateTimeOffset _wall;
    private TimeSpan _monotonic;
    private bool _started;

    /// <summary>
    /// Compares this reading with the previous one. <paramref name="monotonic"/> is the monotonic time since any fixed
    /// origin (the same for every call). A difference larger than the threshold is a step; smaller ones (NTP slewing,
    /// two readings a moment apart) are not.
    /// </summary>
    public ClockStep Observe(DateTimeOffset wall, TimeSpan monotonic)
    {
        var step = _started ? (wall - _wall) - (monotonic - _monotonic) : TimeSpan.Zero;
        _wall = wall;
        _monotonic = monotonic;
        _started = true;
        var direction = step > threshold ? ClockStepDirection.Forward
            : step < -threshold ? ClockStepDirection.Backward
            : ClockStepDirection.None;
        return new ClockStep(direction, step);
    }
}
