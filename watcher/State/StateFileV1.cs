namespace Sidecars.Watcher.State;

/// <summary>
/// The state of version 1 (the single <c>watcher-state.json</c> of earlier watchers, one log, fixed
/// <c>method</c>/<c>status</c>/<c>route</c> labels): read only, to migrate it (<see cref="StateMigration"/>).
/// </summary>
internal sealed class StateFileV1
{
    public const int Version1 = 1;

    public int Version { get; set; } = Version1;
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
    public List<LabelSetStateV1> LabelSets { get; set; } = [];
    public Dictionary<string, HistogramStateV1> Histograms { get; set; } = [];
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

internal sealed class LabelSetStateV1
{
    public string Method { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Route { get; set; }
    public long Requests { get; set; }
    public long BodyBytes { get; set; }
    public long BytesSent { get; set; }
    public long RequestBytes { get; set; }
}

internal sealed class HistogramStateV1
{
    public double[] Bounds { get; set; } = [];
    public List<HistogramSeriesStateV1> Series { get; set; } = [];
}

internal sealed class HistogramSeriesStateV1
{
    public string Method { get; set; } = "";
    public string? Route { get; set; }
    public long[] Buckets { get; set; } = [];
    public double Sum { get; set; }
}
