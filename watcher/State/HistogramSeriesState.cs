namespace Sidecars.Watcher.State;

internal sealed class HistogramSeriesState
{
    public Dictionary<string, string> Labels { get; set; } = [];
    public long[] Buckets { get; set; } = [];
    public double Sum { get; set; }

    /// <summary>Its native histogram (Watcher:NativeHistograms); absent when they are off.</summary>
    public NativeHistogramState? Native { get; set; }
}
