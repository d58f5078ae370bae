namespace Sidecars.Watcher.State;

/// <summary>The largest state some settings allow, by part (bytes of one slot).</summary>
internal readonly record struct StateBound(long LabelSets, long Histograms, long Logs, long Rest)
{
    /// <summary>The largest slot file: JSON and its envelope.</summary>
    public long Slot => LabelSets + Histograms + Logs + Rest;

    /// <summary>The label sets the bound allows for (MaxLabelSets and the overflow set, or fewer when the labels have fewer combinations).</summary>
    public long LabelSetCount { get; init; }

    /// <summary>The histogram series of each histogram family the bound allows for.</summary>
    public long SeriesCount { get; init; }
}
