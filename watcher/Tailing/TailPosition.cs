namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Which file a position belongs to, independent of its name: device and inode, plus a hash of the
/// file's first <see cref="FingerprintLength"/> bytes (0 while the file was empty), which tells a
/// truncated-and-rewritten or re-created file (same inode reused) from the one that was read.
/// </summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, ulong Fingerprint, int FingerprintLength);

/// <summary>
/// Everything before <see cref="Offset"/> in the file <see cref="Identity"/> has been delivered as
/// complete lines (or skipped as too long). The watcher saves it with its counters, atomically.
/// </summary>
internal readonly record struct TailPosition(FileIdentity Identity, long Offset);

/// <summary>
/// Where reading stands: <see cref="Current"/> is the file at the log's path (null while it does not
/// exist yet); <see cref="Draining"/> are rotated files still open because nginx may still append to
/// them. <see cref="LagBytes"/> is what is known to be unread (file lengths minus positions);
/// <see cref="BytesRead"/> counts bytes read since the previous checkpoint.
/// </summary>
internal sealed record TailCheckpoint(
    TailPosition? Current, IReadOnlyList<TailPosition> Draining, long LagBytes, long BytesRead);

/// <summary>How the followed file changed under the tailer.</summary>
internal enum RotationKind
{
    /// <summary>Renamed away and a new file created at the path (logrotate <c>create</c>, then reopen).</summary>
    Renamed,
    /// <summary>Cut to a smaller size in place (logrotate <c>copytruncate</c>), or rewritten from the start.</summary>
    Truncated,
    /// <summary>Deleted, and a new file later created at the path.</summary>
    Recreated,
}

internal static class RotationKindNames
{
    /// <summary>The <c>kind</c> label value.</summary>
    public static string Label(this RotationKind kind) => kind switch
    {
        RotationKind.Renamed => "renamed",
        RotationKind.Truncated => "truncated",
        RotationKind.Recreated => "recreated",
        _ => "other",
    };
}
