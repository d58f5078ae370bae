using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sidecars.Writer;

/// <summary>
/// Opens files in the folder the writer shares with nginx without following a symbolic link at the last
/// step of the path. The other container of the pod can write that folder, so it can plant a link where the
/// writer's file goes; .NET's own file APIs would follow it and write to whatever it points at. Linux only
/// (<c>open(2)</c> with <c>O_NOFOLLOW</c>): a link there fails with ELOOP, reported as
/// <see cref="WriteFailure.Symlink"/>, and nothing is created or written through it.
/// </summary>
internal static partial class NoFollowFile
{
    private const int WriteOnly = 0x1;
    private const int ReadWrite = 0x2;
    private const int Create = 0x40;
    private const int Exclusive = 0x80;
    // No effect on a regular file; a FIFO planted in the file's place fails or refuses writes instead of
    // blocking the writer's loop until some reader opens it.
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;

    // The one flag whose value differs between the architectures the images are built for.
    private static readonly int NoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    // rw-rw-rw- less the umask, as .NET and the shell's `>>` create files.
    private const int NewFileMode = 0x1b6;

    private const int Eexist = 17;

    /// <summary>Opens <paramref name="path"/> for writing (and reading, with <paramref name="read"/>), creating it if missing.</summary>
    public static SafeFileHandle OpenOrCreate(string path, bool read)
    {
        int fd = Open(path, (read ? ReadWrite : WriteOnly) | Create | NoFollow | NonBlocking | CloseOnExec, NewFileMode);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failure(path, Marshal.GetLastPInvokeError());
    }

    /// <summary>Creates <paramref name="path"/> for writing; null when something (a file, a link, a folder) is already there.</summary>
    public static SafeFileHandle? CreateNew(string path)
    {
        int fd = Open(path, WriteOnly | Create | Exclusive | NoFollow | CloseOnExec, NewFileMode);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        int errno = Marshal.GetLastPInvokeError();
        return errno == Eexist ? null : throw Failure(path, errno);
    }

    // The exceptions .NET's own FileStream throws for the same errors, so WriteFailure classifies them alike.
    private static Exception Failure(string path, int errno) => errno switch
    {
        WriteFailure.Enoent => new DirectoryNotFoundException($"Could not find a part of the path '{path}'."),
        WriteFailure.Eacces or WriteFailure.Eperm => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
        WriteFailure.Eisdir => WriteFailure.PathIsDirectory(path),
        WriteFailure.Eloop => WriteFailure.PathIsSymlink(path),
        _ => new IOException($"{Marshal.GetPInvokeErrorMessage(errno)} : '{path}'", errno),
    };

    // open(2) is variadic; the mode is passed as the fixed third argument, which is how the x64 and arm64
    // Linux calling conventions pass it either way (libc wrappers such as Tmds.LibC declare it so).
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);
}
