namespace Sidecars.Writer;

/// <summary>A jump of the wall clock and its size (negative when backward).</summary>
internal readonly record struct ClockStep(ClockStepDirection Direction, TimeSpan Size);
