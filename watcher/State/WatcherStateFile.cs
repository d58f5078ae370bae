using System.Text.Json.Serialization;

namespace Sidecars.Watcher.State;

/// <summary>
/// What <c>watcher-state.json</c> holds: the tail position and every counter as of that position,
/// saved together so a restart continues exactly where the exported values stopped.
/// </summary>
internal sealed class WatcherStateFile
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;
    public DateTimeOffset SavedAt { get; set; }
    public CheckpointState? Checkpoint { get; set; }
    public CounterState Counters { get; set; } = new();
}

internal sealed class CheckpointState
{
    public PositionState? Current { get; set; }
    public List<PositionState> Draining { get; set; } = [];
    public List<PositionState> Retired { get; set; } = [];
    public DateTimeOffset? TakenAt { get; set; }
}

internal sealed class PositionState
{
    public ulong Device { get; set; }
    public ulong Inode { get; set; }
    public ulong Fingerprint { get; set; }
    public int FingerprintLength { get; set; }
    public long Offset { get; set; }
}

internal sealed class CounterState
{
    public List<LabelSetState> LabelSets { get; set; } = [];
    public Dictionary<string, HistogramState> Histograms { get; set; } = [];
    public Dictionary<string, long> CacheStatus { get; set; } = [];
    public long LinesParsed { get; set; }
    public long LinesMalformed { get; set; }
    public long LinesTooLong { get; set; }
    public Dictionary<string, long> ParseErrors { get; set; } = [];
    public long BytesRead { get; set; }
    public Dictionary<string, long> Rotations { get; set; } = [];
    public Dictionary<string, long> ReadErrors { get; set; } = [];
    public long FilesLost { get; set; }
    public long StateSaves { get; set; }
    public long StateSaveFailures { get; set; }
    public long StateResets { get; set; }
    public long LabelSetsOverflow { get; set; }
}

internal sealed class LabelSetState
{
    public string Method { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Route { get; set; }
    public long Requests { get; set; }
    public long BodyBytes { get; set; }
    public long BytesSent { get; set; }
    public long RequestBytes { get; set; }
}

internal sealed class HistogramState
{
    public double[] Bounds { get; set; } = [];
    public List<HistogramSeriesState> Series { get; set; } = [];
}

internal sealed class HistogramSeriesState
{
    public string Method { get; set; } = "";
    public string? Route { get; set; }
    public long[] Buckets { get; set; } = [];
    public double Sum { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(WatcherStateFile))]
internal sealed partial class WatcherStateJsonContext : JsonSerializerContext;
