using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>
/// <c>Watcher:DurationBuckets</c> and <c>Watcher:SizeBuckets</c> as set on the command line reach /metrics of the built
/// watcher: every time histogram and the response size histogram have exactly those bounds, with the counts in them.
/// </summary>
[Collection(WatcherProcess.Collection)]
public sealed partial class HistogramBucketsTests : IDisposable
{
    private const string Format = "$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time $upstream_response_time";
    private readonly TempFolder _folder = new("watcher-buckets");

    public void Dispose() => _folder.Dispose();

    private static string Line(long bodyBytes, string requestTime, string upstreamTime) =>
        $"10.0.0.1 [08/Jan/2020:08:59:14 +0000] \"GET /x HTTP/1.1\" 200 {bodyBytes} {requestTime} {upstreamTime}";

    [Fact]
    public async Task Custom_duration_and_size_buckets_are_the_bounds_of_every_histogram_on_metrics()
    {
        // Given four requests: times on both sides of the custom bounds, one that never reached an upstream
        string log = _folder.File("access.log");
        await File.WriteAllLinesAsync(log, [
            Line(100, "0.100", "0.050"),
            Line(500, "0.200", "0.300"),
            Line(4000, "1.000", "2.000"),
            Line(60000, "3.000", "-"),
        ]);

        // When the watcher reads them with two duration bounds and two size bounds
        await using var watcher = WatcherProcess.Start(
            $"--Watcher:Path={log}", $"--Watcher:Format={Format}", "--Watcher:ReadInterval=00:00:00.050",
            "--Watcher:DurationBuckets:0=0.2", "--Watcher:DurationBuckets:1=1.5",
            "--Watcher:SizeBuckets:0=500", "--Watcher:SizeBuckets:1=5000");
        await Eventually.Holds(async () => await watcher.RequestsAsync() == 4, TimeSpan.FromSeconds(60),
            $"4 requests on /metrics; stderr: {watcher.Stderr}; stdout: {watcher.Stdout}");
        string metrics = await watcher.ScrapeAsync();

        // Then each histogram has exactly the configured bounds (and +Inf), bounds inclusive, counts cumulative
        Assert.Equal(["0.2", "1.5", "+Inf"], Bounds(metrics, "nginx_http_request_duration_seconds"));
        Assert.Equal([2, 3, 4], Buckets(metrics, "nginx_http_request_duration_seconds"));
        Assert.Equal(4.3, Exposition.Value(metrics, "nginx_http_request_duration_seconds_sum"), 9);

        Assert.Equal(["0.2", "1.5", "+Inf"], Bounds(metrics, "nginx_http_upstream_response_duration_seconds"));
        Assert.Equal([1, 2, 3], Buckets(metrics, "nginx_http_upstream_response_duration_seconds"));
        Assert.Equal(3, Exposition.Value(metrics, "nginx_http_upstream_response_duration_seconds_count"));

        Assert.Equal(["500", "5000", "+Inf"], Bounds(metrics, "nginx_http_response_size_bytes"));
        Assert.Equal([2, 3, 4], Buckets(metrics, "nginx_http_response_size_bytes"));
        Assert.Equal(64600, Exposition.Value(metrics, "nginx_http_response_size_bytes_sum"));
        Assert.Equal(4, Exposition.Value(metrics, "nginx_http_response_size_bytes_count"));
    }

    /// <summary>The <c>le</c> values of a histogram's buckets, in the order of the exposition.</summary>
    private static string[] Bounds(string metrics, string histogram) =>
        [.. BucketLine().Matches(metrics).Where(m => m.Groups["name"].Value == histogram).Select(m => m.Groups["le"].Value)];

    private static double[] Buckets(string metrics, string histogram) =>
        [.. Bounds(metrics, histogram).Select(le => Exposition.Value(metrics, histogram + "_bucket", $"le=\"{le}\""))];

    [GeneratedRegex(@"^(?<name>[a-z_]+)_bucket\{[^}]*le=""(?<le>[^""]+)""\}", RegexOptions.Multiline)]
    private static partial Regex BucketLine();
}
