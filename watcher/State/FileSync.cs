using Microsoft.Win32.SafeHandles;

namespace Sidecars.Watcher.State;

/// <summary>Flushes a file's data to the disk (<c>Watcher:StateFsync</c>).</summary>
internal static class FileSync
{
    /// <summary>
    /// fdatasync: the data survives power loss, not only a killed process (for which the kernel having the bytes
    /// after the write is enough). Costs ~100 ms at p99 on the kind of disk a pod gets.
    /// </summary>
    public static void DataSync(SafeFileHandle handle)
    {
        using var fd = new BorrowedFd(handle);
        if (LibC.FDataSync(fd.Fd) != 0)
        {
            throw new IOException($"fdatasync failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }
    }
}
