namespace Sidecars.Watcher.Tailing;

/// <summary>
/// When a followed log is over: it leaves the followed set and the saved state, and its <c>MaxLogs</c> slot goes to
/// the next log. Only a log found through a glob can be over; a path named in the settings is always followed (it
/// waits for its file). Pure: the tailer gathers the facts (stat, fstat, its clock) and acts.
/// </summary>
internal static class LogEnd
{
    /// <summary>
    /// A log is over when its path has shown no regular file for the drain quiet period, no file is current, and every
    /// rotated file it still has open was deleted (no name left, so nobody can open it again) and had no new data
    /// for that period either. A file renamed away still has a name: nginx may write to it until it reopens, so the
    /// log waits, as for any rotation. The caller then reads each file a last time, and ends the log only if that
    /// read found nothing.
    /// </summary>
    /// <param name="goneFor">How long the path has shown no regular file (null: there is one).</param>
    /// <param name="quietPeriod">The drain quiet period.</param>
    /// <param name="hasCurrent">Whether a file is followed at the path.</param>
    /// <param name="open">The rotated files still open: their link count and how long since data last came.</param>
    public static bool IsOver(TimeSpan? goneFor, TimeSpan quietPeriod, bool hasCurrent, IEnumerable<(long LinkCount, TimeSpan QuietFor)> open) =>
        !hasCurrent && goneFor >= quietPeriod && open.All(f => f.LinkCount == 0 && f.QuietFor >= quietPeriod);

    /// <summary>
    /// A saved log was over before the restart: nothing of it is left to resume (no current file, no file being
    /// drained: its files were read to their end) and no regular file is at its path. It is not followed again.
    /// </summary>
    public static bool WasOver(LogPosition saved, bool fileAtPath) =>
        saved.Current is null && saved.Draining.Count == 0 && !fileAtPath;

    /// <summary>
    /// A rotated file still open is saved as finished, not as draining, when it was deleted (no name: a restarted
    /// watcher could not open it again) and read to its end: a restart then neither counts it lost nor keeps its
    /// log for it. What nginx might still append to a deleted file after that save cannot be read after a restart
    /// in any case.
    /// </summary>
    public static bool IsFinished(long linkCount, long length, long consumedOffset) =>
        linkCount == 0 && consumedOffset >= length;
}
