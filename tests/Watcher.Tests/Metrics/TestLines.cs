using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;

namespace Sidecars.Tests.Watcher;

/// <summary>Access-log lines and processors for tests.</summary>
internal static class TestLines
{
    /// <summary>A line in nginx's <c>main</c> format.</summary>
    public static string MainLine(string method = "GET", string path = "/", int status = 200, long bytes = 512, int i = 0) =>
        $"10.0.0.{i % 250} - - [08/Jan/2020:08:59:14 +0000] \"{method} {path} HTTP/1.1\" {status} {bytes} \"-\" \"curl/8.0\" \"-\"";

    public const string TimedFormat = "$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time \"$upstream_cache_status\"";

    /// <summary>A line in <see cref="TimedFormat"/>.</summary>
    public static string Timed(string method, string path, int status, long bytes, string requestTime, string cache = "-") =>
        $"10.0.0.1 [08/Jan/2020:08:59:14 +0000] \"{method} {path} HTTP/1.1\" {status} {bytes} {requestTime} \"{cache}\"";

    public static void Feed(this AccessLogProcessor processor, params string[] lines)
    {
        foreach (string line in lines)
        {
            processor.OnLine(Encoding.UTF8.GetBytes(line));
        }
    }

    public static (AccessLogProcessor Processor, WatcherMetrics Metrics) Processor(
        LogFormat? format = null, WatcherOptions? options = null, StateStore? store = null, TimeProvider? time = null)
    {
        format ??= LogFormat.Main;
        options ??= new WatcherOptions();
        var metrics = new WatcherMetrics(WatcherHostExtensions.CreateLayout(options, format));
        var processor = new AccessLogProcessor(format, metrics, store, time ?? TimeProvider.System, NullLogger.Instance);
        return (processor, metrics);
    }
}
