using Microsoft.Extensions.Logging;

namespace Sidecars.Writer;

/// <summary>The writer's log lines; their event ids are in <see cref="WriterEvents"/>.</summary>
internal static partial class Log
{
    [LoggerMessage(WriterEvents.Started, LogLevel.Information,
        "Writer started: path={Path} interval={Interval} format={Format} timezone={TimeZone} max_lines={MaxLines}")]
    public static partial void Started(ILogger logger, string path, string interval, string format, string timeZone, int maxLines);

    [LoggerMessage(WriterEvents.Writing, LogLevel.Information, "Writing to {Path}")]
    public static partial void Writing(ILogger logger, string path);

    [LoggerMessage(WriterEvents.WriteFailed, LogLevel.Warning,
        "Cannot write {Path} ({Reason}): {Error}; retrying at the next tick ({Suppressed} more like it not logged in the last 30 s)")]
    public static partial void WriteFailed(ILogger logger, string path, string reason, string error, long suppressed);

    [LoggerMessage(WriterEvents.TicksMissed, LogLevel.Warning,
        "Missed {Missed} tick(s) before {Tick:O}: the writer was paused or too slow, or the clock stepped forward")]
    public static partial void TicksMissed(ILogger logger, long missed, DateTimeOffset tick);

    [LoggerMessage(WriterEvents.ClockSteppedBack, LogLevel.Warning,
        "The wall clock stepped back by {Step:c} (now {Now:O}); writing goes on at the new time ({Suppressed} more steps back not logged in the last 30 s)")]
    public static partial void ClockSteppedBack(ILogger logger, TimeSpan step, DateTimeOffset now, long suppressed);

    [LoggerMessage(WriterEvents.ClockSteppedForward, LogLevel.Warning,
        "The wall clock stepped forward by {Step:c} (now {Now:O}); boundaries it skipped count as missed ticks ({Suppressed} more steps forward not logged in the last 30 s)")]
    public static partial void ClockSteppedForward(ILogger logger, TimeSpan step, DateTimeOffset now, long suppressed);

    [LoggerMessage(WriterEvents.Stopped, LogLevel.Information,
        "Writer stopped: lines_written={LinesWritten} failures={Failures} missed_ticks={MissedTicks}")]
    public static partial void Stopped(ILogger logger, long linesWritten, long failures, long missedTicks);
}
