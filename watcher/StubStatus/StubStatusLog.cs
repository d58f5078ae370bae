using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.StubStatus;

/// <summary>The stub_status reader's log lines (event IDs 2xx, apart from the watcher's 1xx).</summary>
internal static partial class StubStatusLog
{
    [LoggerMessage(201, LogLevel.Information, "Reading nginx's stub_status at {Url} every {IntervalSeconds} s (timeout {TimeoutSeconds} s)")]
    public static partial void Reading(ILogger logger, Uri url, double intervalSeconds, double timeoutSeconds);

    [LoggerMessage(202, LogLevel.Warning,
        "nginx's stub_status at {Url} cannot be read: {Problem}; nginx_up is 0 until it can ({Suppressed} more failed reads since the last message)")]
    public static partial void ReadFailed(ILogger logger, Uri url, string problem, long suppressed);

    [LoggerMessage(203, LogLevel.Information, "nginx's stub_status at {Url} answers again, after {Failures} failed reads")]
    public static partial void ReadsAgain(ILogger logger, Uri url, long failures);
}
