namespace Sidecars.Writer;

/// <summary>Names a write failure by its cause, for the <c>reason</c> label and the log.</summary>
internal static class WriteFailure
{
    public const string DiskFull = "disk_full";
    public const string ReadOnly = "read_only";
    public const string PermissionDenied = "permission_denied";
    public const string NotFound = "not_found";
    public const string IsDirectory = "is_directory";
    public const string Symlink = "symlink";
    public const string Io = "io";

    public static readonly string[] Reasons = [DiskFull, ReadOnly, PermissionDenied, NotFound, IsDirectory, Symlink, Io];

    // errno values (Linux). On Unix .NET puts the errno of an unmapped error into IOException.HResult.
    public const int Enoent = 2;
    public const int Eperm = 1;
    public const int Eacces = 13;
    public const int Eisdir = 21;
    public const int Eloop = 40;
    private const int Enospc = 28;
    private const int Erofs = 30;
    private const int Edquot = 122;
    // The Windows HRESULTs for the same causes, so the classification reads the same everywhere.
    private const int ErrorDiskFull = unchecked((int)0x80070070);
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);
    private const int ErrorWriteProtect = unchecked((int)0x80070013);

    public static string Classify(Exception e) => e switch
    {
        UnauthorizedAccessException => PermissionDenied,
        FileNotFoundException or DirectoryNotFoundException => NotFound,
        IOException io => io.HResult switch
        {
            Enospc or Edquot or ErrorDiskFull or ErrorHandleDiskFull => DiskFull,
            Erofs or ErrorWriteProtect => ReadOnly,
            Eacces or Eperm => PermissionDenied,
            Enoent => NotFound,
            Eisdir => IsDirectory,
            Eloop => Symlink,
            _ => Io,
        },
        _ => Io,
    };

    /// <summary>
    /// The fault for a folder where the file should be. .NET reports opening a folder for writing as access denied
    /// (EISDIR turned into EACCES, as on Windows), which would send an operator looking for a permission problem.
    /// </summary>
    public static IOException PathIsDirectory(string path) => new($"{path} is a folder, not a file", Eisdir);

    /// <summary>The fault for a symbolic link where the file should be: the writer does not follow it (see <see cref="NoFollowFile"/>).</summary>
    public static IOException PathIsSymlink(string path) =>
        new($"{path} is a symbolic link; the writer does not follow links in the folder it shares with another container", Eloop);
}
