using System.Text.RegularExpressions;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// The logs to follow: paths and globs (<c>*</c> and <c>?</c> in the file name only, e.g.
/// <c>/var/log/nginx/shared/*.access.log</c>). A path without a glob is always followed, also while its file
/// does not exist; a glob follows the regular files that match it, found at start and whenever the folder
/// changes. Names that look like rotated siblings (<c>.1</c>, <c>-20261126</c>, compressed) never count as logs
/// of their own: they belong to the log they were rotated from.
/// </summary>
internal sealed partial class LogPaths
{
    private readonly (string Folder, string? Exact, Regex? Glob)[] _patterns;
    private readonly TimeProvider _time;
    // Each glob folder's stamp at its last listing, and since when that stamp has been seen.
    private readonly Dictionary<string, (FolderStamp Stamp, long Since)> _listed = new(StringComparer.Ordinal);

    public LogPaths(IReadOnlyList<string> patterns, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _patterns = [.. patterns.Select(p =>
        {
            string full = Path.GetFullPath(p);
            string folder = Path.GetDirectoryName(full)!;
            string name = Path.GetFileName(full);
            return IsGlob(name) ? (folder, (string?)null, ToRegex(name)) : (folder, full, (Regex?)null);
        })];
        Folders = [.. _patterns.Select(p => p.Folder).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The folders the patterns name (to watch for changes).</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>Whether a pattern names several logs (a glob, or more than one path): then every request metric gets a <c>log</c> label.</summary>
    public static bool AreSeveral(IReadOnlyList<string> patterns) =>
        patterns.Count > 1 || patterns.Any(p => IsGlob(Path.GetFileName(p)));

    public static bool IsGlob(string name) => name.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>The name the <c>log</c> label gives a log: its file name without the folder.</summary>
    public static string LabelOf(string path) => Path.GetFileName(path);

    /// <summary>Whether <paramref name="fullPath"/> is named as it is (not through a glob): such a log is always followed, waiting for its file.</summary>
    public bool IsNamed(string fullPath) =>
        Array.Exists(_patterns, p => string.Equals(p.Exact, fullPath, StringComparison.Ordinal));

    /// <summary>Whether <paramref name="fullPath"/> is one of the logs (by path or by a glob), found or not.</summary>
    public bool Matches(string fullPath)
    {
        string folder = Path.GetDirectoryName(fullPath)!;
        string name = Path.GetFileName(fullPath);
        foreach (var (patternFolder, exact, glob) in _patterns)
        {
            if (exact is not null ? string.Equals(exact, fullPath, StringComparison.Ordinal)
                : string.Equals(folder, patternFolder, StringComparison.Ordinal) && glob!.IsMatch(name) && !LooksRotated(name))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Every log there is now, in a stable order: the exact paths (found or not), then the glob matches by name. A
    /// glob match that cannot be looked at (a symlink loop, a link into a folder that may not be searched) or is not
    /// a regular file (a FIFO, a socket, a device) is skipped and goes to <paramref name="unfollowable"/>, as does a
    /// folder that cannot be listed; a dangling link is nothing yet. With <paramref name="onlyChanged"/> (no name
    /// events to say a folder changed), a glob's folder whose names did not change since it was last listed
    /// (<see cref="FolderStamp"/>) is not listed again, and its logs, all found already, are not returned.
    /// </summary>
    public List<string> Discover(UnfollowableEntries unfollowable, bool onlyChanged = false)
    {
        var found = new List<string>();
        foreach (var (folder, exact, glob) in _patterns)
        {
            if (exact is not null)
            {
                found.Add(exact);
                continue;
            }
            if (!ShouldList(folder, onlyChanged))
            {
                continue;
            }
            foreach (string file in List(folder, unfollowable))
            {
                string name = Path.GetFileName(file);
                if (!glob!.IsMatch(name) || LooksRotated(name))
                {
                    continue;
                }
                FileStatus? status = FileStatus.OfPath(file, out int errno);
                if (errno != 0)
                {
                    unfollowable.Skip(file, errno);
                }
                else if (status is { IsRegularFile: false } other)
                {
                    unfollowable.Skip(file, ReadError.NotRegularFile, other.Kind);
                }
                else
                {
                    unfollowable.Clear(file);
                    if (status is not null)
                    {
                        found.Add(file);
                    }
                }
            }
        }
        return [.. found.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Whether to list <paramref name="folder"/> now; its stamp is taken before the listing, so a change during it shows next time.</summary>
    private bool ShouldList(string folder, bool onlyChanged)
    {
        if (FileStatus.OfPath(folder, out _) is not { } status)
        {
            _listed.Remove(folder);
            return true; // gone or not to be looked at: the listing says which
        }
        var stamp = FolderStamp.Of(status);
        long now = _time.GetTimestamp();
        (FolderStamp Stamp, long Since)? listed = _listed.TryGetValue(folder, out var last) ? last : null;
        if (onlyChanged && !FolderStamp.MustList(listed?.Stamp, stamp, listed is { } l ? _time.GetElapsedTime(l.Since, now) : TimeSpan.Zero))
        {
            return false;
        }
        _listed[folder] = listed is { } same && same.Stamp == stamp ? same : (stamp, now);
        return true;
    }

    /// <summary>The names in <paramref name="folder"/> other than folders, in ordinal order; none when it does not exist or cannot be listed (then skipped).</summary>
    private static List<string> List(string folder, UnfollowableEntries unfollowable)
    {
        var files = new List<string>();
        try
        {
            files.AddRange(Directory.EnumerateFiles(folder));
            unfollowable.Clear(folder);
        }
        catch (DirectoryNotFoundException)
        {
            // not there (yet): nothing to follow in it
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unfollowable.Skip(folder, e);
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>A name logrotate gives a rotated file: <c>.N</c>, <c>-YYYYMMDD</c> (with or without the hour), or compressed.</summary>
    public static bool LooksRotated(string name) => RotatedName().IsMatch(name) || RotatedSiblings.IsCompressed(name);

    private static Regex ToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    [GeneratedRegex(@"(\.[0-9]+|-[0-9]{8}|-[0-9]{10})$", RegexOptions.CultureInvariant)]
    private static partial Regex RotatedName();
}
