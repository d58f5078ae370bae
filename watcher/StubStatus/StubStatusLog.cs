using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.StubStatus;

/// <summary>The stub_status reader's log lines; their event ids are in <see cref="WatcherEvents"/>.</summary>
internal static partial class StubStatusLog
{
    [LoggerMessage(WatcherEvents.Reading, LogLevel.Information, "Reading nginx's stub_status at {Url} every {IntervalSeconds} s (timeout {TimeoutSeconds} s)")]
    public static partial void Reading(ILogger logger, Uri url, double intervalSeconds, double timeoutSeconds);

    [LoggerMessage(WatcherEvents.StubStatusReadFailed, LogLevel.Warning,
        "nginx's stub_status at {Url} cannot be read: {Problem}; nginx_up is 0 until it can ({Suppressed} more failed reads since the last message)")]
    public static partial void StubStatusReadFailed(ILogger logger, Uri url, string problem, long suppressed);

    [LoggerMessage(WatcherEvents.ReadsAgain, LogLevel.Information, "nginx's stub_status at {Url} answers again, after {Failures} failed reads")]
    public static partial void ReadsAgain(ILogger logger, Uri url, long failures);
}
