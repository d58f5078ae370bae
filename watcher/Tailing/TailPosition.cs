namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Which file a position belongs to, independent of its name: its <see cref="FileId"/>, plus a hash of the
/// file's first <see cref="FingerprintLength"/> bytes (0 while the file was empty), which tells a
/// truncated-and-rewritten or re-created file (same inode reused) from the one that was read.
/// </summary>
internal readonly record struct FileIdentity(FileId Id, ulong Fingerprint, int FingerprintLength);

/// <summary>
/// Everything before <see cref="Offset"/> in the file <see cref="Identity"/> has been delivered as
/// complete lines (or skipped as too long). The watcher saves it with its counters, atomically.
/// </summary>
internal readonly record struct TailPosition(FileIdentity Identity, long Offset);

/// <summary>
/// Where reading one log stands: <see cref="Current"/> is the file at the log's path (null while it does not
/// exist yet); <see cref="Draining"/> are rotated files still open because nginx may still append to them;
/// <see cref="Retired"/> are files finished and closed recently, with their final positions (a file that
/// comes back to the path, a symlink flipped back, resumes there instead of being read again).
/// <see cref="Path"/> is the log's full path.
/// </summary>
internal sealed record LogPosition(string Path, TailPosition? Current, IReadOnlyList<TailPosition> Draining, IReadOnlyList<TailPosition> Retired);

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

/// <summary>Why reading failed.</summary>
internal enum ReadError
{
    /// <summary>The path names a FIFO, a socket, a device or a folder.</summary>
    NotRegularFile,
    /// <summary>No permission to open or read the file.</summary>
    PermissionDenied,
    /// <summary>Any other I/O error (a name too long, EIO, a stale NFS handle).</summary>
    Io,
    /// <summary>A symlink that leads back to itself, or through more links than the kernel follows (ELOOP).</summary>
    SymlinkLoop,
}

internal static class ReadErrorNames
{
    /// <summary>The <c>reason</c> label value.</summary>
    public static string Label(this ReadError error) => error switch
    {
        ReadError.NotRegularFile => "not_regular_file",
        ReadError.PermissionDenied => "permission_denied",
        ReadError.SymlinkLoop => "symlink_loop",
        _ => "io",
    };
}

/// <summary>Which <see cref="ReadError"/> a failure is. Pure.</summary>
internal static class ReadErrors
{
    /// <summary>The reason an errno from stat, open or read counts as.</summary>
    public static ReadError FromErrno(int errno) => errno switch
    {
        FileStatus.Errno.AccessDenied or FileStatus.Errno.NotPermitted => ReadError.PermissionDenied,
        FileStatus.Errno.SymlinkLoop => ReadError.SymlinkLoop,
        _ => ReadError.Io,
    };

    /// <summary>The reason an exception of a file operation counts as.</summary>
    public static ReadError Of(Exception exception) => exception switch
    {
        UnauthorizedAccessException => ReadError.PermissionDenied,
        FileAccessException access => access.Reason,
        NotARegularFileException => ReadError.NotRegularFile,
        _ => ReadError.Io,
    };

    /// <summary>What an errno means, for a log line: the system's text and the number.</summary>
    public static string Describe(int errno) => $"{System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}

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
