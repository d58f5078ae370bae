namespace Sidecars.Watcher.Tailing;

/// <summary>A system call on a path failed for a reason other than "nothing there": the errno says why, and which <c>reason</c> it counts as.</summary>
internal sealed class FileAccessException(string call, string path, int errno)
    : IOException($"{call} {path} failed: {ReadErrors.Describe(errno)}")
{
    public string Path { get; } = path;

    public int Errno { get; } = errno;

    /// <summary>The <c>reason</c> of <c>watcher_read_errors_total</c> it counts as.</summary>
    public ReadError Reason => ReadErrors.FromErrno(Errno);
}
