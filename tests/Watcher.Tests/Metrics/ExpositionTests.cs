using System.Text;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;

using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Metrics;

public sealed class ExpositionTests
{
    private static TailCheckpoint Checkpoint => Checkpoints.NoLog();

    [Fact]
    public void Requests_are_counted_per_method_status_and_route()
    {
        var options = new WatcherOptions { Routes = [new() { Name = "api", Pattern = "/api" }] };
        var (counter, metrics) = TestLines.Counter(options: options);
        counter.Feed(TestLines.MainLine("GET", "/api/x"), TestLines.MainLine("GET", "/api/y?z=1"), TestLines.MainLine("get", "/home", 404), TestLines.MainLine("POST", "/api", 999));
        counter.OnCheckpoint(Checkpoint);

        string text = Exposition.ToText(metrics.Snapshot());
        Assert.Equal(2, Exposition_(text, "nginx_http_requests_total", "method=\"GET\"", "status=\"200\"", "route=\"api\""));
        Assert.Equal(1, Exposition_(text, "nginx_http_requests_total", "method=\"other\"", "status=\"404\"", "route=\"other\""));
        Assert.Equal(1, Exposition_(text, "nginx_http_requests_total", "method=\"POST\"", "status=\"other\"", "route=\"api\""));
        Assert.DoesNotContain("10.0.0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/x", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_routes_there_is_no_route_label()
    {
        var (counter, metrics) = TestLines.Counter();
        counter.Feed(TestLines.MainLine());
        counter.OnCheckpoint(Checkpoint);
        string text = Exposition.ToText(metrics.Snapshot());
        Assert.Contains("nginx_http_requests_total{method=\"GET\",status=\"200\"} 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("route=", text, StringComparison.Ordinal);
    }

    [Fact]
    public void New_label_sets_beyond_the_cap_count_as_other_and_the_overflow_is_counted()
    {
        var (counter, metrics) = TestLines.Counter(options: new WatcherOptions { MaxLabelSets = 3 });
        counter.Feed(
            TestLines.MainLine(status: 200), TestLines.MainLine(status: 201), TestLines.MainLine(status: 202),
            TestLines.MainLine(status: 203), TestLines.MainLine(status: 204), TestLines.MainLine(status: 200));
        counter.OnCheckpoint(Checkpoint);

        string text = Exposition.ToText(metrics.Snapshot());
        Assert.Equal(6, Exposition_(text, "nginx_http_requests_total"));
        Assert.Equal(2, Exposition_(text, "nginx_http_requests_total", "method=\"other\"", "status=\"other\""));
        Assert.Equal(2, Exposition_(text, "watcher_label_sets_overflow_total"));
        Assert.False(Sidecars.Testing.Exposition.Has(text, "nginx_http_requests_total", "status=\"203\""));
        Assert.Equal(4, text.Split('\n').Count(l => l.StartsWith("nginx_http_requests_total{", StringComparison.Ordinal)));
    }

    [Fact]
    public void Histogram_places_values_in_inclusive_buckets_and_prints_them_cumulative()
    {
        var layout = new MetricsLayout(RequestLabels.Dimensions(new RouteTable([]), statusClasses: false), [0.1, 1], [100], 10, FormatFeatures.Of(LogFormat.Compile(TestLines.TimedFormat)));
        var values = new MetricValues(layout);
        int series = layout.SeriesOf(layout.GetOrAdd(default(LabelKey).With(0, HttpMethods.Index("GET"u8)).With(1, 200), out _));
        foreach (double v in new[] { 0.05, 0.1, 0.5, 1, 3 })
        {
            values.RequestDuration.Observe(series, v);
        }
        Assert.Equal([2L, 2, 1], values.RequestDuration.Buckets[..3]);

        string text = Exposition.ToText(values);
        Assert.Contains("nginx_http_request_duration_seconds_bucket{method=\"GET\",le=\"0.1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("nginx_http_request_duration_seconds_bucket{method=\"GET\",le=\"1\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("nginx_http_request_duration_seconds_bucket{method=\"GET\",le=\"+Inf\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("nginx_http_request_duration_seconds_sum{method=\"GET\"} 4.65\n", text, StringComparison.Ordinal);
        Assert.Contains("nginx_http_request_duration_seconds_count{method=\"GET\"} 5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_times_and_cache_status_feed_their_families()
    {
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat));
        counter.Feed(
            TestLines.Timed("GET", "/", 200, 10, "0.004", "HIT"),
            TestLines.Timed("GET", "/", 200, 10, "0.300", "MISS"),
            TestLines.Timed("GET", "/", 200, 10, "20.000", "weird"),
            TestLines.Timed("POST", "/", 500, 10, "0.020"));
        counter.OnCheckpoint(Checkpoint);

        string text = Exposition.ToText(metrics.Snapshot());
        Assert.Equal(1, Exposition_(text, "nginx_http_request_duration_seconds_bucket", "method=\"GET\"", "le=\"0.005\""));
        Assert.Equal(3, Exposition_(text, "nginx_http_request_duration_seconds_bucket", "method=\"GET\"", "le=\"+Inf\""));
        Assert.Equal(1, Exposition_(text, "nginx_http_request_duration_seconds_count", "method=\"POST\""));
        Assert.Equal(1, Exposition_(text, "nginx_http_upstream_cache_total", "cache_status=\"HIT\""));
        Assert.Equal(1, Exposition_(text, "nginx_http_upstream_cache_total", "cache_status=\"other\""));
        Assert.DoesNotContain("nginx_http_upstream_connect_duration_seconds", text, StringComparison.Ordinal);
        Assert.DoesNotContain("nginx_http_response_bytes_total", text, StringComparison.Ordinal);
    }

    private const string UpstreamFormat = "$remote_addr \"$request\" $status $body_bytes_sent $request_time $upstream_response_time";

    private static string UpstreamLine(string upstreamTime) => $"10.0.0.1 \"GET / HTTP/1.1\" 200 5 0.010 {upstreamTime}";

    [Fact]
    public void Upstream_histograms_appear_with_the_first_upstream_time_and_not_before()
    {
        // Given a format with $upstream_response_time and requests nginx served itself ("-": no upstream)
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(UpstreamFormat));
        counter.Feed(UpstreamLine("-"), UpstreamLine("-"));
        counter.OnCheckpoint(Checkpoint);

        // Then the family is absent, HELP and TYPE included, while the request histogram shows
        string before = Exposition.ToText(metrics.Snapshot());
        Assert.DoesNotContain("nginx_http_upstream_response_duration_seconds", before, StringComparison.Ordinal);
        Assert.Contains("# TYPE nginx_http_request_duration_seconds histogram\n", before, StringComparison.Ordinal);

        // When a request reaches an upstream
        counter.Feed(UpstreamLine("0.004"));
        counter.OnCheckpoint(Checkpoint);

        // Then the family shows, with its header and that one observation
        string after = Exposition.ToText(metrics.Snapshot());
        Assert.Contains("# TYPE nginx_http_upstream_response_duration_seconds histogram\n", after, StringComparison.Ordinal);
        Assert.Equal(1, Exposition_(after, "nginx_http_upstream_response_duration_seconds_count"));
    }

    [Fact]
    public async Task Without_any_request_no_request_family_is_written_and_the_rest_is_promtool_clean()
    {
        var (_, metrics) = TestLines.Counter(format: LogFormat.Compile(UpstreamFormat));
        string text = Exposition.ToText(metrics.Snapshot());
        Assert.DoesNotContain("nginx_http_", text, StringComparison.Ordinal);
        // Every HELP is followed by its TYPE and at least one sample of the family
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("# HELP ", StringComparison.Ordinal))
            {
                string name = lines[i].Split(' ')[2];
                Assert.StartsWith($"# TYPE {name} ", lines[i + 1], StringComparison.Ordinal);
                Assert.StartsWith(name, lines[i + 2], StringComparison.Ordinal);
            }
        }
        Assert.Equal("", await Sidecars.Testing.Promtool.CheckMetricsAsync(text));
    }

    [Fact]
    public void A_restored_upstream_histogram_with_samples_shows_and_one_without_does_not()
    {
        // Given a saved state with one upstream time, and one with none
        var format = LogFormat.Compile(UpstreamFormat);
        var (withUpstream, saved) = TestLines.Counter(format: format);
        withUpstream.Feed(UpstreamLine("0.250"), UpstreamLine("-"));
        withUpstream.OnCheckpoint(Checkpoint);
        var (withoutUpstream, savedEmpty) = TestLines.Counter(format: format);
        withoutUpstream.Feed(UpstreamLine("-"));
        withoutUpstream.OnCheckpoint(Checkpoint);

        // When each is restored into a fresh watcher
        var (_, restored) = TestLines.Counter(format: format);
        StateMapping.Restore(StateMapping.ToState(saved.Staged, Checkpoint, DateTimeOffset.UnixEpoch), restored.Staged, []);
        var (_, restoredEmpty) = TestLines.Counter(format: format);
        StateMapping.Restore(StateMapping.ToState(savedEmpty.Staged, Checkpoint, DateTimeOffset.UnixEpoch), restoredEmpty.Staged, []);

        // Then
        Assert.Equal(1, Exposition_(Exposition.ToText(restored.Staged), "nginx_http_upstream_response_duration_seconds_bucket", "le=\"0.25\""));
        Assert.DoesNotContain("nginx_http_upstream_response_duration_seconds", Exposition.ToText(restoredEmpty.Staged), StringComparison.Ordinal);
        Assert.Equal(1, Exposition_(Exposition.ToText(restoredEmpty.Staged), "nginx_http_requests_total"));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\"b", "a\\\"b")]
    [InlineData("a\\b", "a\\\\b")]
    [InlineData("a\nb", "a\\nb")]
    public void Label_values_are_escaped(string value, string escaped) => Assert.Equal(escaped, Exposition.EscapeString(value));

    [Theory]
    [InlineData(1e7, "10000000")]
    [InlineData(0.005, "0.005")]
    [InlineData(2.5, "2.5")]
    [InlineData(1234567890123.0, "1234567890123")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(-0.25, "-0.25")]
    public void Numbers_are_invariant_and_integers_have_no_exponent(double value, string text)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new Sidecars.Hosting.ExpositionWriter(output);
        writer.Value(value);
        writer.Flush();
        Assert.Equal(text, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\"b", "a\\\"b")]
    [InlineData("a\\b\nc", "a\\\\b\\nc")]
    [InlineData("ünïcödé 😀", "ünïcödé 😀")]
    public void The_writer_escapes_label_values_and_keeps_any_text_whole(string value, string escaped)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new Sidecars.Hosting.ExpositionWriter(output);
        writer.Escaped(value);
        writer.Flush();
        Assert.Equal(escaped, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Self_metrics_are_initialised_for_every_reason_and_kind()
    {
        var (_, metrics) = TestLines.Counter();
        string text = Exposition.ToText(metrics.Snapshot());
        foreach (var reason in Enum.GetValues<ParseFailure>().Where(r => r != ParseFailure.None))
        {
            Assert.Contains($"watcher_parse_errors_total{{reason=\"{reason.Label()}\"}} 0\n", text, StringComparison.Ordinal);
        }
        foreach (var kind in Enum.GetValues<RotationKind>())
        {
            Assert.Contains($"watcher_rotations_total{{kind=\"{kind.Label()}\"}} 0\n", text, StringComparison.Ordinal);
        }
        Assert.Contains("watcher_lines_total{result=\"too_long\"} 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_finds_no_problem_in_an_exposition_with_many_label_sets()
    {
        var options = new WatcherOptions { Routes = [new() { Name = "api", Pattern = "/api/**" }, new() { Name = "static", Pattern = "/static" }] };
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        string[] methods = ["GET", "POST", "PUT", "DELETE", "weird", "HEAD"];
        string[] paths = ["/api/a", "/static/x.js", "/", "/api/b?q=\"x\""];
        for (int i = 0; i < 600; i++)
        {
            counter.Feed(TestLines.Timed(methods[i % methods.Length], paths[i % paths.Length], 100 + (i * 7 % 520), i * 13, (i / 97.0).ToString("F3", System.Globalization.CultureInfo.InvariantCulture), i % 3 == 0 ? "HIT" : "-"));
        }
        counter.Feed("not a line at all");
        counter.OnLineTooLong(100_000);
        counter.OnRotation(RotationKind.Renamed);
        counter.OnCheckpoint(Checkpoint);
        string text = Exposition.ToText(metrics.Snapshot());
        Assert.True(text.Split('\n').Count(l => l.StartsWith("nginx_http_requests_total{", StringComparison.Ordinal)) > 100);

        Assert.Equal("", await Sidecars.Testing.Promtool.CheckMetricsAsync(text));
    }

    private static double Exposition_(string text, string name, params string[] labels) =>
        Sidecars.Testing.Exposition.Value(text, name, labels);
}
