using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>The tailer's log lines; their event ids are in <see cref="WatcherEvents"/>.</summary>
internal static partial class TailerLog
{
    [LoggerMessage(WatcherEvents.Following, LogLevel.Information, "Following {Path} from offset {Offset} ({Reason})")]
    public static partial void Following(ILogger logger, string path, long offset, string reason);

    [LoggerMessage(WatcherEvents.WaitingForFile, LogLevel.Information, "Waiting for {Path} to appear (looking every {ReadInterval}, and when a name in its folder changes)")]
    public static partial void WaitingForFile(ILogger logger, string path, string readInterval);

    [LoggerMessage(WatcherEvents.Rotated, LogLevel.Information, "{Path} was {Kind}: draining the old file, following the new one from its start")]
    public static partial void Rotated(ILogger logger, string path, string kind);

    [LoggerMessage(WatcherEvents.Truncated, LogLevel.Information, "{Path} was truncated at offset {Offset} (copytruncate or rewritten): reading it from its start")]
    public static partial void Truncated(ILogger logger, string path, long offset);

    [LoggerMessage(WatcherEvents.Disappeared, LogLevel.Information, "{Path} disappeared: draining the open file until a new one appears")]
    public static partial void Disappeared(ILogger logger, string path);

    [LoggerMessage(WatcherEvents.DrainFinished, LogLevel.Information, "Finished rotated file {Name} at offset {Offset} after {QuietPeriod} without new data")]
    public static partial void DrainFinished(ILogger logger, string name, long offset, string quietPeriod);

    [LoggerMessage(WatcherEvents.DrainDroppedPartialLine, LogLevel.Warning, "Rotated file {Name} ended with an unfinished line of {Length} bytes; it was dropped")]
    public static partial void DrainDroppedPartialLine(ILogger logger, string name, long length);

    [LoggerMessage(WatcherEvents.Resuming, LogLevel.Information, "Resuming {Name} (device {Device}, inode {Inode}) at offset {Offset}")]
    public static partial void Resuming(ILogger logger, string name, ulong device, ulong inode, long offset);

    [LoggerMessage(WatcherEvents.ResumeLost, LogLevel.Warning, "The checkpointed file (device {Device}, inode {Inode}, offset {Offset}) is gone: lines written to it while the watcher was stopped are lost")]
    public static partial void ResumeLost(ILogger logger, ulong device, ulong inode, long offset);

    [LoggerMessage(WatcherEvents.ResumeTruncated, LogLevel.Warning, "{Name} was truncated or rewritten while the watcher was stopped (saved offset {Offset}, length now {Length}): reading it from its start")]
    public static partial void ResumeTruncated(ILogger logger, string name, long offset, long length);

    [LoggerMessage(WatcherEvents.NotificationsUnavailable, LogLevel.Warning, "File change notifications unavailable for {Folder} ({Reason}): each read looks for rotations and new logs until they work")]
    public static partial void NotificationsUnavailable(ILogger logger, string folder, string reason);

    [LoggerMessage(WatcherEvents.ReadFailed, LogLevel.Warning, "Reading {Path} failed; retrying at the next read ({Suppressed} more since the last message)")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string path, long suppressed);

    [LoggerMessage(WatcherEvents.NotARegularFile, LogLevel.Warning, "{Path} is {Kind}, not a regular file: waiting for a regular file there (counted in watcher_read_errors_total)")]
    public static partial void NotARegularFile(ILogger logger, string path, string kind);

    [LoggerMessage(WatcherEvents.CameBack, LogLevel.Information, "A file read earlier came back to {Path}: going on from offset {Offset}, where it ended")]
    public static partial void CameBack(ILogger logger, string path, long offset);

    [LoggerMessage(WatcherEvents.RotatedWhileStopped, LogLevel.Information, "{Name} was rotated in while the watcher was stopped: reading all of it before the file at the path")]
    public static partial void RotatedWhileStopped(ILogger logger, string name);

    [LoggerMessage(WatcherEvents.FilesLost, LogLevel.Warning, "Lines written while the watcher was stopped are lost: {What} (counted in watcher_files_lost_total)")]
    public static partial void FilesLost(ILogger logger, string what);

    [LoggerMessage(WatcherEvents.ResumeFailed, LogLevel.Error, "Resuming the saved position in {Name} failed unexpectedly: treated as lost, following the log on")]
    public static partial void ResumeFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(WatcherEvents.ReadCompressed, LogLevel.Information, "{Path} was compressed while the watcher was stopped: read it once, from offset {Offset}")]
    public static partial void ReadCompressed(ILogger logger, string path, long offset);

    [LoggerMessage(WatcherEvents.LogsSkipped, LogLevel.Warning, "{Count} more logs match the logs to follow, but {MaxLogs} are followed already (Watcher:MaxLogs): they are not read (counted in watcher_logs_skipped_total): {Examples}")]
    public static partial void LogsSkipped(ILogger logger, int count, int maxLogs, string examples);

    [LoggerMessage(WatcherEvents.EntriesSkipped, LogLevel.Warning, "{Count} entries where logs are looked for cannot be followed and are skipped (counted once each in watcher_read_errors_total): {Examples}")]
    public static partial void EntriesSkipped(ILogger logger, int count, string examples);

    [LoggerMessage(WatcherEvents.PathUnreadable, LogLevel.Warning, "{Path} cannot be looked at: {Reason}; following what is still open and waiting for a file there (counted in watcher_read_errors_total)")]
    public static partial void PathUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(WatcherEvents.LogEnded, LogLevel.Information, "{Path} was deleted, read to its end, and nothing came back to its path for {QuietPeriod}: no longer followed (its Watcher:MaxLogs slot is free)")]
    public static partial void LogEnded(ILogger logger, string path, string quietPeriod);

    [LoggerMessage(WatcherEvents.LogEndedBeforeRestart, LogLevel.Information, "{Path} is gone and was read to its end before the restart: no longer followed (its Watcher:MaxLogs slot is free)")]
    public static partial void LogEndedBeforeRestart(ILogger logger, string path);

    [LoggerMessage(WatcherEvents.DrainingCopy, LogLevel.Information, "Reading the {Unread} bytes written before the truncation from the copy {Copy}, from offset {Offset}")]
    public static partial void DrainingCopy(ILogger logger, string copy, long offset, long unread);
}
