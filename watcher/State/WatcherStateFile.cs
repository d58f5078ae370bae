using System.Text.Json.Serialization;

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

/// <summary>Where reading one log stands (the log at <see cref="Path"/>, its full path).</summary>
internal sealed class LogCheckpointState
{
    public string? Path { get; set; }
    public PositionState? Current { get; set; }
    public List<PositionState> Draining { get; set; } = [];
    public List<PositionState> Retired { get; set; } = [];
    public DateTimeOffset? TakenAt { get; set; }
}

/// <summary>Which file (device, inode, fingerprint of its head) and how far into it every line was delivered.</summary>
internal sealed class PositionState
{
    public ulong Device { get; set; }
    public ulong Inode { get; set; }
    public ulong Fingerprint { get; set; }
    public int FingerprintLength { get; set; }
    public long Offset { get; set; }
}

internal sealed class LabelSetState
{
    /// <summary>Label name → value (<c>method</c> → <c>GET</c>).</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Family name → the counter of this label set.</summary>
    public Dictionary<string, long> Values { get; set; } = [];
}

internal sealed class HistogramState
{
    public double[] Bounds { get; set; } = [];
    public List<HistogramSeriesState> Series { get; set; } = [];
}

internal sealed class HistogramSeriesState
{
    public Dictionary<string, string> Labels { get; set; } = [];
    public long[] Buckets { get; set; } = [];
    public double Sum { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(WatcherStateFile))]
internal sealed partial class WatcherStateJsonContext : JsonSerializerContext;
