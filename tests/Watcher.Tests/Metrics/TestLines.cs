using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;

namespace Sidecars.Tests.Watcher;

/// <summary>Access-log lines and line counters for tests.</summary>
internal static class TestLines
{
    /// <summary>A line in nginx's <c>main</c> format.</summary>
    public static string MainLine(string method = "GET", string path = "/", int status = 200, long bytes = 512, int i = 0) =>
        $"10.0.0.{i % 250} - - [08/Jan/2020:08:59:14 +0000] \"{method} {path} HTTP/1.1\" {status} {bytes} \"-\" \"curl/8.0\" \"-\"";

    public const string TimedFormat = "$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time \"$upstream_cache_status\"";

    /// <summary>A line in <see cref="TimedFormat"/>.</summary>
    public static string Timed(string method, string path, int status, long bytes, string requestTime, string cache = "-") =>
        $"10.0.0.1 [08/Jan/2020:08:59:14 +0000] \"{method} {path} HTTP/1.1\" {status} {bytes} {requestTime} \"{cache}\"";

    public static void Feed(this LineCounter counter, params string[] lines)
    {
        foreach (string line in lines)
        {
            counter.OnLine(Encoding.UTF8.GetBytes(line));
        }
    }

    /// <summary>The requests a saved state holds, over all label sets.</summary>
    public static long Requests(WatcherStateFile? state) =>
        state?.LabelSets.Sum(s => s.Values.GetValueOrDefault(MetricFamilies.Requests.Name)) ?? 0;

    public static (LineCounter Counter, WatcherMetrics Metrics) Counter(
        LogFormat? format = null, WatcherOptions? options = null, StateStore? store = null, TimeProvider? time = null, Sidecars.Hosting.HealthState? health = null)
    {
        var counter = WatcherHostExtensions.CreateCounting(options ?? new WatcherOptions(), format ?? LogFormat.Main, store, time ?? TimeProvider.System, NullLoggerFactory.Instance, health);
        return (counter, counter.Metrics);
    }
}
