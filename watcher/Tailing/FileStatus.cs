using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// The parts of <c>struct stat</c> the tailer needs: which file (device, inode), its type, link count,
/// length and when it was last written (<see cref="ModifiedAt"/>, UTC ticks).
/// </summary>
internal readonly partial record struct FileStatus(ulong Device, ulong Inode, long LinkCount, long Length, uint Mode = FileStatus.RegularFileMode, long ModifiedAt = 0)
{
    // glibc's struct stat on x86_64 and aarch64: st_dev at 0 and st_ino at 8 (8 bytes each), st_size at 48,
    // st_mtim at 88 (seconds, then nanoseconds). st_nlink and st_mode differ: on x86_64 st_nlink is 8 bytes
    // at 16 and st_mode 4 bytes at 24; on aarch64 st_mode is at 16 and st_nlink 4 bytes at 20.
    private const int StatBufferSize = 256;
    private const int SizeOffset = 48;
    private const int ModifiedOffset = 88;
    private const uint FileTypeMask = 0xF000;
    public const uint RegularFileMode = 0x8000;

    /// <summary>A regular file (not a FIFO, socket, device or folder): the only kind the tailer reads.</summary>
    public bool IsRegularFile => (Mode & FileTypeMask) == RegularFileMode;

    /// <summary>What kind of file this is, for messages ("a FIFO (named pipe)").</summary>
    public string Kind => (Mode & FileTypeMask) switch
    {
        RegularFileMode => "a regular file",
        0x4000 => "a folder",
        0x1000 => "a FIFO (named pipe)",
        0xC000 => "a socket",
        0x2000 => "a character device",
        0x6000 => "a block device",
        _ => "not a regular file",
    };

    /// <summary>
    /// The file at <paramref name="path"/> (following symlinks), or null when nothing is there; throws
    /// <see cref="FileAccessException"/> when the entry cannot be looked at (see the other overload).
    /// </summary>
    public static FileStatus? OfPath(string path)
    {
        FileStatus? status = OfPath(path, out int errno);
        return errno == 0 ? status : throw new FileAccessException("stat", path, errno);
    }

    /// <summary>
    /// The file at <paramref name="path"/> (following symlinks). Null with <paramref name="errno"/> 0 when nothing is
    /// there (ENOENT, ENOTDIR: a dangling link too); null with the errno when the entry cannot be looked at (ELOOP: a
    /// symlink loop, EACCES: a folder on the way that may not be searched, ENAMETOOLONG, EIO). Never throws: a folder
    /// may hold anything, and no entry in it may stop the tailer.
    /// </summary>
    public static unsafe FileStatus? OfPath(string path, out int errno)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        if (Native.Stat(path, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            if (errno is Errno.NoEntry or Errno.NotDirectory)
            {
                errno = 0;
            }
            return null;
        }
        errno = 0;
        return Read(buffer);
    }

    /// <summary>The file an open handle reads, even after it was renamed or deleted.</summary>
    public static unsafe FileStatus OfHandle(SafeFileHandle handle)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        using (var fd = new BorrowedFd(handle))
        {
            if (Native.FStat(fd.Fd, buffer) != 0)
            {
                throw new IOException($"fstat failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        return Read(buffer);
    }

    /// <summary>Which file this is.</summary>
    public FileId Id => new(Device, Inode);

    public PathState AsPathState() => new(true, Id);

    /// <summary>
    /// When the file at <paramref name="path"/> was created (UTC ticks, from statx), or null where the file
    /// system does not record it. Tells a new file that reuses a deleted file's inode number from that file.
    /// </summary>
    public static unsafe long? BirthOf(string path)
    {
        const uint StatxBirthTime = 0x800;
        const int AtCurrentDirectory = -100;
        byte* buffer = stackalloc byte[StatBufferSize];
        if (Native.Statx(AtCurrentDirectory, path, 0, StatxBirthTime, buffer) != 0 || (*(uint*)buffer & StatxBirthTime) == 0)
        {
            return null;
        }
        // struct statx: stx_btime at 80 (tv_sec: 8 bytes, tv_nsec: 4 bytes)
        return DateTime.UnixEpoch.Ticks + (*(long*)(buffer + 80) * TimeSpan.TicksPerSecond) + (*(uint*)(buffer + 88) / 100);
    }

    private static unsafe FileStatus Read(byte* buffer)
    {
        bool arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        long links = arm ? *(uint*)(buffer + 20) : (long)*(ulong*)(buffer + 16);
        uint mode = arm ? *(uint*)(buffer + 16) : *(uint*)(buffer + 24);
        long modified = DateTime.UnixEpoch.Ticks
            + (*(long*)(buffer + ModifiedOffset) * TimeSpan.TicksPerSecond) + (*(long*)(buffer + ModifiedOffset + 8) / 100);
        return new FileStatus(*(ulong*)buffer, *(ulong*)(buffer + 8), links, *(long*)(buffer + SizeOffset), mode, modified);
    }

    /// <summary>The errno values the tailer tells apart (Linux).</summary>
    internal static class Errno
    {
        public const int NotPermitted = 1;
        public const int NoEntry = 2;
        public const int AccessDenied = 13;
        public const int NotDirectory = 20;
        public const int NameTooLong = 36;
        public const int SymlinkLoop = 40;
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial int Stat(string path, byte* buffer);

        [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
        public static unsafe partial int FStat(int fd, byte* buffer);

        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
    }
}
