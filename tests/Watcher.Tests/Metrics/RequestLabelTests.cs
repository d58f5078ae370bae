using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;
using Exposition = Sidecars.Watcher.Metrics.Exposition;

using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Metrics;

/// <summary>Labels from log variables (bounded), status classes, and lines excluded before the request metrics.</summary>
public sealed class RequestLabelTests : IDisposable
{
    private const string HostFormat = "$host \"$request\" $status $body_bytes_sent $request_time \"$http_user_agent\"";
    private static readonly LogFormat Format = LogFormat.Compile(HostFormat);
    private readonly TempFolder _folder = new("request-labels");

    public void Dispose() => _folder.Dispose();

    private static string Line(string host, string path = "/", int status = 200, string agent = "curl/8.0", string method = "GET") =>
        $"{host} \"{method} {path} HTTP/1.1\" {status} 10 0.010 \"{agent}\"";

    private static double Value(string text, string series) =>
        text.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal)).Select(l => double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Single();

    private static (LineCounter Counter, WatcherMetrics Metrics) Counting(WatcherOptions options) => TestLines.Counter(format: Format, options: options);

    private static string Text(LineCounter counter)
    {
        counter.OnCheckpoint(Checkpoints.NoLog(0, 0));
        return Exposition.ToText(counter.Metrics.Snapshot());
    }

    [Fact]
    public void A_label_from_a_variable_splits_the_request_counters_but_not_the_histograms()
    {
        var options = new WatcherOptions { Labels = [new() { Name = "host", Variable = "$host" }] };
        var (counter, _) = Counting(options);
        counter.Feed(Line("a.test"), Line("b.test"), Line("a.test"));

        string text = Text(counter);

        Assert.Equal(2, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"200\",host=\"a.test\"}"));
        Assert.Equal(1, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"200\",host=\"b.test\"}"));
        Assert.Equal(20, Value(text, "nginx_http_response_body_bytes_total{method=\"GET\",status=\"200\",host=\"a.test\"}"));
        Assert.Equal(3, Value(text, "nginx_http_request_duration_seconds_count{method=\"GET\"}"));
        Assert.DoesNotContain("nginx_http_request_duration_seconds_count{method=\"GET\",host", text, StringComparison.Ordinal);
    }

    [Fact]
    public void With_OnHistograms_the_histograms_carry_the_label_too()
    {
        var options = new WatcherOptions { Labels = [new() { Name = "host", Variable = "$host", OnHistograms = true }] };
        var (counter, _) = Counting(options);
        counter.Feed(Line("a.test"), Line("b.test"), Line("a.test", status: 404));

        string text = Text(counter);

        Assert.Equal(2, Value(text, "nginx_http_request_duration_seconds_count{method=\"GET\",host=\"a.test\"}"));
        Assert.Equal(1, Value(text, "nginx_http_request_duration_seconds_count{method=\"GET\",host=\"b.test\"}"));
    }

    [Fact]
    public void Values_beyond_MaxValues_and_outside_the_allow_list_count_as_other()
    {
        var capped = new WatcherOptions { Labels = [new() { Name = "host", Variable = "$host", MaxValues = 2 }] };
        var (counter, _) = Counting(capped);
        counter.Feed(Line("a"), Line("b"), Line("c"), Line("d"), Line("a"));
        string text = Text(counter);
        Assert.Equal(2, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"200\",host=\"a\"}"));
        Assert.Equal(2, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"200\",host=\"other\"}"));

        var allowed = new WatcherOptions { Labels = [new() { Name = "host", Variable = "$host", Allow = ["b"] }] };
        var (second, _) = Counting(allowed);
        second.Feed(Line("a"), Line("b"), Line("c"));
        string again = Text(second);
        Assert.Equal(1, Value(again, "nginx_http_requests_total{method=\"GET\",status=\"200\",host=\"b\"}"));
        Assert.Equal(2, Value(again, "nginx_http_requests_total{method=\"GET\",status=\"200\",host=\"other\"}"));
    }

    [Fact]
    public void The_caps_hold_under_100k_distinct_hosts_and_every_request_is_counted()
    {
        // Given a host label and the default caps
        var options = new WatcherOptions { Labels = [new() { Name = "host", Variable = "$host" }] };
        var (counter, metrics) = Counting(options);

        // When 100,000 requests come with 100,000 different hosts (and a few statuses)
        for (int i = 0; i < 100_000; i++)
        {
            counter.Feed(Line($"host-{i}.example", status: 200 + i % 5));
        }
        string text = Text(counter);

        // Then at most 50 host values exist, the label sets stay under the cap, and nothing is lost
        var v = metrics.Snapshot();
        Assert.Equal(100_000, v.TotalRequests);
        Assert.InRange(text.Split('\n').Count(l => l.StartsWith("nginx_http_requests_total{", StringComparison.Ordinal)), 1, options.MaxLabelSets + 1);
        Assert.InRange(text.Split('\n').Where(l => l.StartsWith("nginx_http_requests_total{", StringComparison.Ordinal))
            .Select(l => l[l.IndexOf("host=", StringComparison.Ordinal)..]).Distinct().Count(), 2, 51);
    }

    [Fact]
    public void StatusClasses_count_by_class()
    {
        var (counter, _) = Counting(new WatcherOptions { StatusClasses = true });
        counter.Feed(Line("a", status: 200), Line("a", status: 204), Line("a", status: 404), Line("a", status: 503), Line("a", status: 99));

        string text = Text(counter);

        Assert.Equal(2, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"2xx\"}"));
        Assert.Equal(1, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"4xx\"}"));
        Assert.Equal(1, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"5xx\"}"));
        Assert.Equal(1, Value(text, "nginx_http_requests_total{method=\"GET\",status=\"other\"}"));
    }

    [Fact]
    public void Excluded_lines_are_counted_as_excluded_and_never_reach_the_request_metrics()
    {
        var options = new WatcherOptions
        {
            Exclude =
            [
                new() { UserAgent = "kube-probe/*" },
                new() { Path = "/healthz" },
                new() { Status = "4xx", Path = "/static/**" },
            ],
        };
        var (counter, metrics) = Counting(options);
        counter.Feed(
            Line("a", agent: "kube-probe/1.29"),
            Line("a", path: "/healthz?x=1"),
            Line("a", path: "/static/app.js", status: 404),
            Line("a", path: "/static/app.js", status: 200), // only 4xx under /static is excluded
            Line("a", path: "/", status: 404),
            Line("a"));

        string text = Text(counter);

        Assert.Equal(3, Value(text, "watcher_lines_total{result=\"excluded\"}"));
        Assert.Equal(3, Value(text, "watcher_lines_total{result=\"parsed\"}"));
        Assert.Equal(3, metrics.Snapshot().TotalRequests);
    }

    [Fact]
    public async Task Labels_from_variables_are_saved_and_restored_exactly()
    {
        var options = new WatcherOptions { Labels = [new() { Name = "host", Variable = "$host", OnHistograms = true }], StatusClasses = true };
        string before;
        using (var store = new StateStore(_folder.Path))
        {
            var (first, metrics) = TestLines.Counter(format: Format, options: options, store: store);
            first.Restore();
            first.Feed(Line("a.test"), Line("b.test", status: 503), Line("a.test"));
            first.OnCheckpoint(Checkpoints.NoLog(0, 3));
            await first.Publisher.StopAsync();
            before = Exposition.ToText(metrics.Snapshot());
        }
        using var again = new StateStore(_folder.Path);
        var (second, restored) = TestLines.Counter(format: Format, options: options, store: again);
        second.Restore();

        string after = Exposition.ToText(restored.Snapshot());
        string Counters(string text) => string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("watcher_", StringComparison.Ordinal) && !l.StartsWith('#')));
        Assert.Equal(Counters(before), Counters(after));
        Assert.Contains("host=\"b.test\"", after, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Name=bad-name", "Watcher:Labels:0:Name must be a Prometheus label name")]
    [InlineData("Name=status", "Watcher:Labels:0:Name \"status\" is taken")]
    [InlineData("Variable=$server_port", "Watcher:Labels:0:Variable $server_port is not in the log format")]
    [InlineData("MaxValues=0", "Watcher:Labels:0:MaxValues must be between 1 and 10000")]
    public void Bad_labels_are_one_line_each(string setting, string expected)
    {
        var label = new LabelOptions { Name = "host", Variable = "$host" };
        var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        _ = key switch
        {
            "Name" => label.Name = value,
            "Variable" => label.Variable = value,
            _ => (label.MaxValues = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var options = new WatcherOptions { Path = _folder.File("access.log"), Format = HostFormat, Labels = [label] };

        var failure = Assert.Single(WatcherOptionsValidator.Check(options, checkStateDirectory: false));
        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, null, "must set UserAgent, Path or Status")]
    [InlineData(null, null, "4x", "Watcher:Exclude:0:Status must be a status code")]
    [InlineData(null, "healthz", null, "Watcher:Exclude:0:Path must start with /")]
    public void Bad_exclude_rules_are_one_line_each(string? agent, string? path, string? status, string expected)
    {
        var options = new WatcherOptions { Path = _folder.File("access.log"), Format = HostFormat, Exclude = [new() { UserAgent = agent, Path = path, Status = status }] };
        var failure = Assert.Single(WatcherOptionsValidator.Check(options, checkStateDirectory: false));
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_exclude_rule_is_reported_beside_too_many_labels()
    {
        // Before, five labels ended the label checks before the exclude rules were looked at
        var options = new WatcherOptions
        {
            Path = _folder.File("access.log"),
            Format = HostFormat,
            Labels = [.. Enumerable.Range(0, 5).Select(i => new LabelOptions { Name = $"l{i}", Variable = "$host" })],
            Exclude = [new() { Path = "healthz" }],
        };
        var failures = WatcherOptionsValidator.Check(options, checkStateDirectory: false);
        Assert.Contains(failures, f => f.Contains("Watcher:Exclude:0:Path must start with /", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Watcher:Labels may name at most 4 labels (got 5)", StringComparison.Ordinal));
    }
}
