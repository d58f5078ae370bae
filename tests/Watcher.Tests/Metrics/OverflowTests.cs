using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;
using static Sidecars.Testing.Exposition;

using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Metrics;

/// <summary>Beyond <c>Watcher:MaxLabelSets</c>, a request counts under <c>other</c> in every family, histograms included.</summary>
public sealed class OverflowTests
{
    private static TailCheckpoint Checkpoint => Checkpoints.NoLog();

    [Fact]
    public void Requests_beyond_the_label_set_cap_are_observed_in_the_histograms_under_method_and_route_other()
    {
        // Given room for three label sets, all taken by GETs to /api
        var options = new WatcherOptions { MaxLabelSets = 3, Routes = [new() { Name = "api", Pattern = "/api" }] };
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        counter.Feed(
            TestLines.Timed("GET", "/api/a", 200, 10, "0.001"),
            TestLines.Timed("GET", "/api/a", 201, 10, "0.001"),
            TestLines.Timed("GET", "/api/a", 202, 10, "0.001"));

        // When POSTs and PUTs to /api with new statuses arrive
        counter.Feed(
            TestLines.Timed("POST", "/api/b", 500, 2000, "0.300"),
            TestLines.Timed("PUT", "/api/c", 503, 2000, "0.300"),
            TestLines.Timed("POST", "/api/b", 201, 2000, "0.300"));
        counter.OnCheckpoint(Checkpoint);

        // Then each counts once under method="other", route="other", in the counter and in both histograms
        string text = Exposition.ToText(metrics.Snapshot());
        Assert.Equal(3, Value(text, "watcher_label_sets_overflow_total"));
        string[] other = ["method=\"other\"", "route=\"other\""];
        Assert.Equal(3, Value(text, "nginx_http_requests_total", [.. other, "status=\"other\""]));
        Assert.Equal(3, Value(text, "nginx_http_request_duration_seconds_count", other));
        Assert.Equal(0.9, Value(text, "nginx_http_request_duration_seconds_sum", other), 9);
        Assert.Equal(3, Value(text, "nginx_http_response_size_bytes_count", other));
        Assert.Equal(6000, Value(text, "nginx_http_response_size_bytes_sum", other));

        // And not under the methods or the route they came with: the cap bounds the histograms' series too
        foreach (string method in new[] { "POST", "PUT" })
        {
            Assert.Equal(0, ValueOrZero(text, "nginx_http_request_duration_seconds_count", $"method=\"{method}\""));
            Assert.Equal(0, ValueOrZero(text, "nginx_http_response_size_bytes_count", $"method=\"{method}\""));
        }
        Assert.Equal(3, Value(text, "nginx_http_request_duration_seconds_count", "method=\"GET\"", "route=\"api\""));
        Assert.Equal(6, Value(text, "nginx_http_request_duration_seconds_count"));
    }
}
