namespace Sidecars.Watcher.Tailing;

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
