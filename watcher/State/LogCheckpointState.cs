namespace Sidecars.Watcher.State;

/// <summary>Where reading one log stands (the log at <see cref="Path"/>, its full path).</summary>
internal sealed class LogCheckpointState
{
    public string? Path { get; set; }
    public PositionState? Current { get; set; }
    public List<PositionState> Draining { get; set; } = [];
    public List<PositionState> Retired { get; set; } = [];
    public DateTimeOffset? TakenAt { get; set; }
}
