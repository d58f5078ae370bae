using System.Globalization;
using Microsoft.Extensions.Logging;
using Sidecars.Hosting;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher;

/// <summary>The watcher's own log lines; their event ids are in <see cref="WatcherEvents"/>.</summary>
internal static partial class Log
{
    [LoggerMessage(WatcherEvents.Started, LogLevel.Information,
        "Watcher started: path {Path}, format {Format}, start_at {StartAt}, state_directory {StateDirectory}, read every {ReadInterval} and when scraped (waiting at most {CatchUpTimeout}), rotations seen at once {Notifications}, {Routes} routes, max line {MaxLineBytes} bytes, port {Port}")]
    public static partial void Started(ILogger logger, string path, string format, string startAt,
        string stateDirectory, string readInterval, string catchUpTimeout, string notifications, int routes, int maxLineBytes, int port);

    [LoggerMessage(WatcherEvents.FormatWarning, LogLevel.Warning, "Watcher:Format: {Warning}")]
    public static partial void FormatWarning(ILogger logger, string warning);

    [LoggerMessage(WatcherEvents.RoutesCostWarning, LogLevel.Warning, "{Warning}")]
    public static partial void RoutesCostWarning(ILogger logger, string warning);

    [LoggerMessage(WatcherEvents.ListenOpenToNetwork, LogLevel.Warning,
        "Watcher:Listen {Address} takes datagrams from any host that reaches it: anyone there can send lines that count as requests. nginx in the same pod sends over the loopback: listen on 127.0.0.1, or a Unix socket")]
    public static partial void ListenOpenToNetwork(ILogger logger, string address);

    [LoggerMessage(WatcherEvents.MalformedLine, LogLevel.Warning,
        "Malformed line for format {FormatName}: {Description} ({Suppressed} more malformed lines since the last message)")]
    public static partial void MalformedLine(ILogger logger, string description, string formatName, long suppressed);

    [LoggerMessage(WatcherEvents.LineTooLong, LogLevel.Warning, "Skipped a line of {Length} bytes, longer than Watcher:MaxLineBytes ({Suppressed} more since the last message)")]
    public static partial void LineTooLong(ILogger logger, long length, long suppressed);

    [LoggerMessage(WatcherEvents.StateUnreadable, LogLevel.Warning, "The state in {Path} is unusable ({Problem}): moved aside to .corrupt; counting starts from zero, and the log is read as on a first start")]
    public static partial void StateUnreadable(ILogger logger, string path, string problem);

    [LoggerMessage(WatcherEvents.StateSavesRecovered, LogLevel.Information, "Saving the state to {Path} works again: the counters move on, readiness is back")]
    public static partial void StateSavesRecovered(ILogger logger, string path);

    [LoggerMessage(WatcherEvents.StatePartlyRestored, LogLevel.Warning, "Saved state partly restored; not restored: {Skipped}")]
    public static partial void StatePartlyRestored(ILogger logger, string skipped);

    [LoggerMessage(WatcherEvents.StateRestored, LogLevel.Information, "Restored state from {Path}: {Requests} requests, saved at {SavedAt}")]
    public static partial void StateRestored(ILogger logger, string path, long requests, DateTimeOffset savedAt);

    [LoggerMessage(WatcherEvents.StateSaveFailed, LogLevel.Warning, "Saving the state to {Path} failed: {Reason}; the values stay unpublished until a save succeeds ({Suppressed} more failures since the last message)")]
    public static partial void StateSaveFailed(ILogger logger, string path, string reason, long suppressed);

    [LoggerMessage(WatcherEvents.Summary, LogLevel.Information,
        "Summary: {LinesPerSecond:F1} lines/s over {Seconds:F0} s, 5xx {ServerErrorPercent:F2}%, p95 request time {P95}, {Malformed} malformed, lag {LagBytes} bytes")]
    public static partial void Summary(ILogger logger, double linesPerSecond, double seconds, double serverErrorPercent, string p95, long malformed, long lagBytes);

    [LoggerMessage(WatcherEvents.Stopped, LogLevel.Information,
        "Watcher stopped: {Requests} requests, {Parsed} parsed, {Malformed} malformed, {TooLong} too long, {BytesRead} bytes read, {Saves} state saves")]
    public static partial void Stopped(ILogger logger, long requests, long parsed, long malformed, long tooLong, long bytesRead, long saves);

    [LoggerMessage(WatcherEvents.CatchUpTimedOut, LogLevel.Warning,
        "A scrape waited {CatchUpTimeout} (Watcher:CatchUpTimeout) for the logs to be read to their end and was served the values published before it; reading is slower than that (a slow volume, or a long backlog) ({Suppressed} more since the last message)")]
    public static partial void CatchUpTimedOut(ILogger logger, string catchUpTimeout, long suppressed);

    [LoggerMessage(WatcherEvents.TailerFailed, LogLevel.Error, "The tailer failed: {Reason}")]
    public static partial void TailerFailed(ILogger logger, string reason, Exception exception);

    /// <summary>A format for a log line: a built-in one by name, any other by name and its text quoted as JSON.</summary>
    public static string Describe(LogFormat format) =>
        LogFormat.BuiltIns.Contains(format) ? format.Name : $"{format.Name} {LogText.Quoted(format.Text)}";

    /// <summary>A p95 in seconds for the summary, or <c>n/a</c> when nothing was measured.</summary>
    public static string Seconds(double seconds) =>
        double.IsFinite(seconds) ? string.Create(CultureInfo.InvariantCulture, $"{seconds:F3} s") : "n/a";
}
