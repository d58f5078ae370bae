namespace Sidecars.Watcher.Tailing;

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
