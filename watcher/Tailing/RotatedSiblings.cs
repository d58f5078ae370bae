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

    /// <summary>The path itself first (when a file is there), then its uncompressed siblings.</summary>
    public static List<(string Path, FileStatus Status)> Of(string fullPath)
    {
        var result = new List<(string, FileStatus)>();
        if (FileStatus.OfPath(fullPath) is { } atPath)
        {
            result.Add((fullPath, atPath));
        }
        string folder = Path.GetDirectoryName(fullPath)!;
        string name = Path.GetFileName(fullPath);
        if (!Directory.Exists(folder))
        {
            return result;
        }
        foreach (string sibling in Directory.EnumerateFiles(folder, name + "*"))
        {
            if (string.Equals(sibling, fullPath, StringComparison.Ordinal) || IsCompressed(sibling))
            {
                continue;
            }
            if (FileStatus.OfPath(sibling) is { } status)
            {
                result.Add((sibling, status));
            }
        }
        return result;
    }
}
