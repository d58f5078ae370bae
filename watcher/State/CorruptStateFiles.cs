namespace Sidecars.Watcher.State;

/// <summary>Moves state files that hold no usable state out of the way, kept for a look: <c>NAME.corrupt</c>.</summary>
internal static class CorruptStateFiles
{
    /// <summary>Renames each of <paramref name="paths"/> that exists to <c>NAME.corrupt</c> (replacing an older one); returns what failed, or null.</summary>
    public static string? MoveAside(IEnumerable<string> paths)
    {
        string? failure = null;
        foreach (string path in paths)
        {
            try
            {
                if (File.Exists(path))
                {
                    File.Move(path, path + ".corrupt", overwrite: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failure = e.Message;
            }
        }
        return failure;
    }
}
