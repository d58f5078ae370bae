namespace Sidecars.Watcher.State;

/// <summary>
/// What a state slot holds: for each followed log, where reading stands; and every counter as of those
/// positions, by metric family name, saved together so a restart continues exactly where the exported values
/// stopped. Label sets carry their labels by name, so a changed configuration restores what still fits.
/// </summary>
internal sealed class WatcherStateFile
{
    /// <summary>The first and only version (see the state section of the watcher's README).</summary>
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;
    public DateTimeOffset SavedAt { get; set; }

    /// <summary>One entry per followed log.</summary>
    public List<LogCheckpointState> Logs { get; set; } = [];

    /// <summary>The request counters, one entry per label set.</summary>
    public List<LabelSetState> LabelSets { get; set; } = [];

    /// <summary>By histogram family name.</summary>
    public Dictionary<string, HistogramState> Histograms { get; set; } = [];

    /// <summary>By family name, then by the value of its fixed label (<c>watcher_lines_total</c> → <c>parsed</c> → n).</summary>
    public Dictionary<string, Dictionary<string, long>> Counters { get; set; } = [];

    /// <summary>Counters without labels, by family name.</summary>
    public Dictionary<string, long> Totals { get; set; } = [];
}
