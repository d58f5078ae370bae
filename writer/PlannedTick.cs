namespace Sidecars.Writer;

/// <summary>The tick to write next, and how many boundaries since the last written tick were skipped.</summary>
internal readonly record struct PlannedTick(DateTimeOffset Due, long Missed);
