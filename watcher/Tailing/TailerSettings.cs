namespace Sidecars.Watcher.Tailing;

/// <summary>
/// How <see cref="AccessLogTailer"/> follows <see cref="Path"/>. <see cref="StartAtEnd"/> only applies to a
/// file that already exists when the tailer starts without a checkpoint; a file that appears later is
/// always read from its start. Lines longer than <see cref="MaxLineBytes"/> bytes (before the <c>\n</c>,
/// a <c>\r</c> included) are skipped.
/// </summary>
internal sealed record TailerSettings(
    string Path,
    bool StartAtEnd,
    int MaxLineBytes,
    TimeSpan PollInterval,
    bool UseNotifications = true,
    int ReadBufferBytes = 1 << 20)
{
    public const int DefaultMaxLineBytes = 65536;

    /// <summary>
    /// How long a rotated file must stay without new data (once the new file exists) before it is
    /// read a last time and closed. Zero or less means the default: 5 s or 10 poll intervals, whichever
    /// is larger (nginx workers reopen at slightly different moments and keep appending until then).
    /// </summary>
    public TimeSpan DrainQuietPeriod { get; init; }

    /// <summary>
    /// Below this read offset, a turn woken by a write also checks the file's first bytes: nginx could write
    /// that much again between a copytruncate and the read that follows its notification. Above it (nginx
    /// would need megabytes a second at once) the next full look, at least every poll interval, checks them.
    /// </summary>
    public long HeadCheckBelowOffset { get; init; } = 256 * 1024;

    /// <summary>Within one long read, a checkpoint is also reported after this many bytes.</summary>
    public long CheckpointEveryBytes { get; init; } = 8L << 20;

    internal TimeSpan EffectiveDrainQuietPeriod =>
        DrainQuietPeriod > TimeSpan.Zero
            ? DrainQuietPeriod
            : TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, PollInterval.Ticks * 10));
}
