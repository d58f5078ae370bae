using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// A log's path and what it names now, for <see cref="RotationFollower"/>: a regular file, nothing, something that
/// cannot be followed (a FIFO, a device, a folder), or a path that cannot be looked at (a symlink loop, a folder on
/// the way that may not be searched). What cannot be followed is counted and told once while it lasts.
/// </summary>
internal sealed class WatchedPath(TailerSettings settings, UnfollowableEntries unfollowable, TimeProvider time, ILogger logger)
{
    // The non-regular file last reported at the path (reported once, not at every turn).
    private FileId? _notRegularReported;
    // Set while the path cannot be looked at (a symlink loop, a folder that may not be searched): counted and told once.
    private bool _unreadable;

    /// <summary>The path, made absolute.</summary>
    public string FullPath { get; } = Path.GetFullPath(settings.Path);

    /// <summary>Since when the path has shown no regular file (a timestamp; null while one is there).</summary>
    public long? GoneSince { get; private set; }

    /// <summary>
    /// The file at the path, or null when there is none or the path cannot be looked at: that is counted and told once
    /// while it lasts, and treated as no file there (what is open is read on, the next file at the path is followed).
    /// </summary>
    public FileStatus? Look()
    {
        FileStatus? atPath = FileStatus.OfPath(FullPath, out int errno);
        if (atPath is { IsRegularFile: true })
        {
            GoneSince = null;
        }
        else
        {
            GoneSince ??= time.GetTimestamp();
        }
        if (errno != 0)
        {
            _unreadable = true;
            if (unfollowable.Count(FullPath, ReadErrors.FromErrno(errno)))
            {
                TailerLog.PathUnreadable(logger, settings.Path, ReadErrors.Describe(errno));
            }
        }
        else if (_unreadable)
        {
            _unreadable = false;
            unfollowable.Clear(FullPath);
        }
        return atPath;
    }

    /// <summary>
    /// Whether the file at the path can be followed; something else (a FIFO, a device, a folder) is
    /// reported once, counted, and waited out: the next regular file at the path is followed.
    /// </summary>
    public bool IsReadable(FileStatus atPath)
    {
        if (atPath.IsRegularFile)
        {
            if (_notRegularReported is not null)
            {
                _notRegularReported = null;
                unfollowable.Clear(FullPath);
            }
            return true;
        }
        if (_notRegularReported != atPath.Id)
        {
            _notRegularReported = atPath.Id;
            TailerLog.NotARegularFile(logger, settings.Path, atPath.Kind);
            // Counted where a glob's look at the same entry is: one entry, one count.
            unfollowable.Count(FullPath, ReadError.NotRegularFile);
        }
        return false;
    }
}
