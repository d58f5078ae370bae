namespace Sidecars.Writer;

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
