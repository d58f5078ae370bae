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
