namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Where reading stands in every followed log, taken at one moment: every line delivered before it belongs to
/// these positions. <see cref="LagBytes"/> is what is known to be unread (file lengths minus positions);
/// <see cref="BytesRead"/> counts the bytes of lines consumed since the previous checkpoint (each byte once,
/// even when an unfinished line is read again after a restart).
/// </summary>
internal sealed record TailCheckpoint(IReadOnlyList<LogPosition> Logs, long LagBytes, long BytesRead)
{
    /// <summary>When the checkpoint was taken: files written after it that it does not name were rotated in since.</summary>
    public DateTimeOffset? TakenAt { get; init; }

    /// <summary>The position of the log at <paramref name="path"/>, if the checkpoint names it.</summary>
    public LogPosition? Of(string path) => Logs.FirstOrDefault(l => l.Path == path);
}
