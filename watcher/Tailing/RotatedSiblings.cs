namespace Sidecars.Watcher.Tailing;

/// <summary>
/// The files a rotated log may have become: the log's own path and the files next to it named like it
/// (<c>access.log.1</c>, <c>access.log-20261126</c>), compressed ones left out (they cannot be read on).
/// </summary>
internal static class RotatedSiblings
{
    private static readonly string[] CompressedSuffixes = [".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"];

    public static bool IsCompressed(string path) =>
        CompressedSuffixes.Any(s => path.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The path itself first (when a file is there), then its uncompressed siblings. An entry that cannot be looked
    /// at (a symlink loop, a link into a folder that may not be searched) is left out and goes to
    /// <paramref name="unfollowable"/>.
    /// </summary>
    public static List<(string Path, FileStatus Status)> Of(string fullPath, UnfollowableEntries unfollowable)
    {
        var result = new List<(string, FileStatus)>();
        if (Look(fullPath, unfollowable) is { } atPath)
        {
            result.Add((fullPath, atPath));
        }
        foreach (string sibling in NamedLike(fullPath, unfollowable))
        {
            if (string.Equals(sibling, fullPath, StringComparison.Ordinal) || IsCompressed(sibling))
            {
                continue;
            }
            if (Look(sibling, unfollowable) is { } status)
            {
                result.Add((sibling, status));
            }
        }
        return result;
    }

    /// <summary>Every name in the log's folder that starts with the log's name; none when the folder cannot be listed (then skipped).</summary>
    public static List<string> NamedLike(string fullPath, UnfollowableEntries unfollowable)
    {
        string folder = Path.GetDirectoryName(fullPath)!;
        try
        {
            return [.. Directory.EnumerateFiles(folder, Path.GetFileName(fullPath) + "*")];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unfollowable.Skip(folder, e);
            return [];
        }
    }

    /// <summary>The file at <paramref name="path"/>; null when nothing is there or it cannot be looked at (then skipped).</summary>
    public static FileStatus? Look(string path, UnfollowableEntries unfollowable)
    {
        FileStatus? status = FileStatus.OfPath(path, out int errno);
        if (errno != 0)
        {
            unfollowable.Skip(path, errno);
        }
        return status;
    }
}
