namespace Sidecars.Watcher.Tailing;

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
