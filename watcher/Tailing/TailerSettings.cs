namespace Sidecars.Watcher.Tailing;

/// <summary>
/// How <see cref="AccessLogTailer"/> follows <see cref="Path"/>. <see cref="StartAtEnd"/> only applies to a
/// file that already exists when the tailer starts without a checkpoint; a file that appears later is
/// always read from its start. Lines longer than <see cref="MaxLineBytes"/> bytes (before the <c>\n</c>,
/// a <c>\r</c> included) are skipped. Every log is read to its end once per <see cref="ReadInterval"/>, when a
/// scrape asks (<see cref="ReadRequests"/>), and when a name in its folder changes (<see cref="UseNotifications"/>).
/// The read buffer is 64 KiB: a turn reads what a second of nginx wrote, and a buffer of 1 MiB sat in the
/// large-object heap for nothing (1.3 MiB of the live peak RSS; lines longer than it carry over, LineSplitter).
/// </summary>
internal sealed record TailerSettings(
    string Path,
    bool StartAtEnd,
    int MaxLineBytes,
    TimeSpan ReadInterval,
    bool UseNotifications = true,
    int ReadBufferBytes = 1 << 16)
{
    public const int DefaultMaxLineBytes = 65536;

    /// <summary>
    /// How long a rotated file must stay without new data (once the new file exists) before it is
    /// read a last time and closed. Zero or less means the default: 5 s or 3 read intervals, whichever
    /// is larger (nginx workers reopen at slightly different moments and keep appending until then).
    /// </summary>
    public TimeSpan DrainQuietPeriod { get; init; }

    /// <summary>Within one long read, a checkpoint is also reported after this many bytes.</summary>
    public long CheckpointEveryBytes { get; init; } = 8L << 20;

    internal TimeSpan EffectiveDrainQuietPeriod =>
        DrainQuietPeriod > TimeSpan.Zero
            ? DrainQuietPeriod
            : TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, ReadInterval.Ticks * 3));
}
