using System.Runtime.InteropServices;

namespace Sidecars.Watcher.State;

/// <summary>Reserves disk for the state slots at start, so a volume too small fails then, not at a later save.</summary>
internal static class StateDiskReservation
{
    /// <summary>
    /// Reserves <paramref name="bytes"/> of disk for each slot file in <paramref name="directory"/> (fallocate with
    /// FALLOC_FL_KEEP_SIZE: the files stay as they are, the blocks are theirs), so saves cannot run out of room
    /// later. Returns what failed, or null; file systems without fallocate are not reserved on, and that is fine.
    /// </summary>
    public static string? Reserve(string directory, long bytes)
    {
        foreach (string name in StateStore.SlotFileNames)
        {
            string path = Path.Combine(directory, name);
            try
            {
                using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                using var fd = new BorrowedFd(handle);
                if (LibC.FAllocate(fd.Fd, LibC.FallocateKeepSize, 0, bytes) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != LibC.EOPNOTSUPP)
                {
                    return errno == LibC.ENOSPC ? "no room" : $"fallocate failed (errno {errno})";
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return e.Message;
            }
        }
        return null;
    }
}
