using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;
using static Sidecars.Testing.Exposition;

using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Metrics;

/// <summary><c>nginx_http_response_size_bytes</c>: <c>$body_bytes_sent</c> per method, in the size buckets.</summary>
public sealed class ResponseSizeHistogramTests
{
    private static TailCheckpoint Checkpoint => Checkpoints.NoLog();

    [Fact]
    public void Body_sizes_fall_in_the_default_buckets_per_method_bounds_inclusive()
    {
        var (counter, metrics) = TestLines.Counter();
        counter.Feed(
            TestLines.MainLine("GET", bytes: 0), TestLines.MainLine("GET", bytes: 100), TestLines.MainLine("GET", bytes: 101),
            TestLines.MainLine("GET", bytes: 20_000_000), TestLines.MainLine("POST", bytes: 5000));
        counter.OnCheckpoint(Checkpoint);

        string text = Exposition.ToText(metrics.Snapshot());
        string[] get = ["method=\"GET\""];
        Assert.Equal(2, Value(text, "nginx_http_response_size_bytes_bucket", [.. get, "le=\"100\""]));
        Assert.Equal(3, Value(text, "nginx_http_response_size_bytes_bucket", [.. get, "le=\"1000\""]));
        Assert.Equal(3, Value(text, "nginx_http_response_size_bytes_bucket", [.. get, "le=\"10000000\""]));
        Assert.Equal(4, Value(text, "nginx_http_response_size_bytes_bucket", [.. get, "le=\"+Inf\""]));
        Assert.Equal(20_000_201, Value(text, "nginx_http_response_size_bytes_sum", get));
        Assert.Equal(0, Value(text, "nginx_http_response_size_bytes_bucket", "method=\"POST\"", "le=\"1000\""));
        Assert.Equal(1, Value(text, "nginx_http_response_size_bytes_bucket", "method=\"POST\"", "le=\"10000\""));
        Assert.Equal(1, Value(text, "nginx_http_response_size_bytes_count", "method=\"POST\""));
    }

    [Fact]
    public void A_line_without_a_body_size_is_counted_but_not_observed()
    {
        // "$status -" : nginx logs a dash when it has no value
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile("\"$request\" $status $body_bytes_sent"));
        counter.Feed("\"GET / HTTP/1.1\" 200 -", "\"GET / HTTP/1.1\" 200 10");
        counter.OnCheckpoint(Checkpoint);

        string text = Exposition.ToText(metrics.Snapshot());
        Assert.Equal(2, Value(text, "nginx_http_requests_total"));
        Assert.Equal(1, Value(text, "nginx_http_response_size_bytes_count"));
        Assert.Equal(10, Value(text, "nginx_http_response_size_bytes_sum"));
    }

    [Fact]
    public void Without_body_bytes_sent_in_the_format_there_is_no_response_size_histogram()
    {
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile("\"$request\" $status $request_time"));
        counter.Feed("\"GET / HTTP/1.1\" 200 0.1");
        counter.OnCheckpoint(Checkpoint);

        string text = Exposition.ToText(metrics.Snapshot());
        Assert.Equal(1, Value(text, "nginx_http_request_duration_seconds_count"));
        Assert.False(Has(text, "nginx_http_response_size_bytes_count"));
        Assert.DoesNotContain("nginx_http_response_size_bytes", text, StringComparison.Ordinal);
    }
}
