namespace Sidecars.Watcher.State;

/// <summary>A native histogram series as saved: its schema, the index of its first bucket, the counts from there on, and the zero bucket.</summary>
internal sealed class NativeHistogramState
{
    public int Schema { get; set; }
    public int Offset { get; set; }
    public long[] Counts { get; set; } = [];
    public long ZeroCount { get; set; }
}
