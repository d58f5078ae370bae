using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sidecars.Watcher.Tailing;

/// <summary>The parts of <c>struct stat</c> the tailer needs: which file (device, inode), its link count and length.</summary>
internal readonly partial record struct FileStatus(ulong Device, ulong Inode, long LinkCount, long Length)
{
    // glibc's struct stat on x86_64 and aarch64: st_dev at 0 and st_ino at 8 (8 bytes each), st_size at 48.
    // st_nlink differs: 8 bytes at 16 on x86_64, 4 bytes at 20 on aarch64 (after a 4-byte st_mode).
    private const int StatBufferSize = 256;
    private const int SizeOffset = 48;

    /// <summary>The file at <paramref name="path"/> (following symlinks), or null when nothing is there.</summary>
    public static unsafe FileStatus? OfPath(string path)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        if (Native.Stat(path, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is Errno.NoEntry or Errno.NotDirectory)
            {
                return null;
            }
            throw new IOException($"stat {path} failed (errno {errno})");
        }
        return Read(buffer);
    }

    /// <summary>The file an open handle reads, even after it was renamed or deleted.</summary>
    public static unsafe FileStatus OfHandle(SafeFileHandle handle)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Native.FStat((int)handle.DangerousGetHandle(), buffer) != 0)
            {
                throw new IOException($"fstat failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
        return Read(buffer);
    }

    public PathState AsPathState() => new(true, Device, Inode);

    private static unsafe FileStatus Read(byte* buffer)
    {
        long links = RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? *(uint*)(buffer + 20)
            : (long)*(ulong*)(buffer + 16);
        return new FileStatus(*(ulong*)buffer, *(ulong*)(buffer + 8), links, *(long*)(buffer + SizeOffset));
    }

    private static class Errno
    {
        public const int NoEntry = 2;
        public const int NotDirectory = 20;
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial int Stat(string path, byte* buffer);

        [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
        public static unsafe partial int FStat(int fd, byte* buffer);
    }
}
