using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// monitoring/ on a real Prometheus that scraped a Deployment pod and mc1 after traffic: every dashboard query
/// (its variables substituted as Grafana would) returns data, the rules evaluate, and an alert goes pending.
/// </summary>
public sealed class DashboardPodTests(MonitoredPods pods, ITestOutputHelper output) : IClassFixture<MonitoredPods>
{
    private static readonly GrafanaDashboard Dashboard = GrafanaDashboard.Load(RepositoryLayout.PathOf("monitoring", "dashboards", "sidecars.json"));

    /// <summary>Grafana's label_values(selector, label), as its Prometheus data source runs it: the series API.</summary>
    private async Task<List<string>> LabelValuesAsync(string query, IReadOnlyDictionary<string, string> values)
    {
        var (selector, label) = GrafanaDashboard.LabelValues(GrafanaDashboard.Substitute(query, values));
        var series = await pods.GetAsync("/api/v1/series?match[]=" + Uri.EscapeDataString(selector));
        return [.. series.EnumerateArray().Select(s => s.GetProperty(label).GetString()!).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>The variables' values with everything selected: the namespace of the pods, every pod in it.</summary>
    private async Task<Dictionary<string, string>> VariableValuesAsync()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["__rate_interval"] = "1m" };
        var namespaces = await LabelValuesAsync(Dashboard.Variables.Single(v => v.Name == "namespace").Query!, values);
        values["namespace"] = Assert.Single(namespaces);
        var pods = await LabelValuesAsync(Dashboard.Variables.Single(v => v.Name == "pod").Query!, values);
        // Several values of a multi-value variable, formatted for a regex matcher as Grafana does.
        values["pod"] = "(" + string.Join('|', pods) + ")";
        return values;
    }

    private async Task<HashSet<string>> ExistingMetricsAsync() =>
        [.. (await pods.GetAsync("/api/v1/label/__name__/values")).EnumerateArray().Select(n => n.GetString()!)];

    /// <summary>
    /// What is wrong with a query on this Prometheus: it names a metric that does not exist, or it returns no
    /// sample with a number. Null when it is fine.
    /// </summary>
    private async Task<string?> ProblemAsync(string expr, HashSet<string> existing, List<string> notes)
    {
        var missing = GrafanaDashboard.MetricNames(expr).Where(n => !existing.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            return $"names metrics that do not exist: {string.Join(", ", missing)}";
        }
        var result = await pods.QueryAsync(expr);
        var numbers = result.EnumerateArray()
            .Select(s => double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))
            .Where(double.IsFinite).ToList();
        notes.Add($"{result.GetArrayLength()} series, e.g. {(numbers.Count > 0 ? numbers[0].ToString("G4", CultureInfo.InvariantCulture) : "-")}");
        return numbers.Count == 0 ? "returned no data" : null;
    }

    [Fact]
    public async Task Prometheus_scrapes_both_pods_under_the_jobs_the_alerts_select()
    {
        Assert.Equal(1, await pods.ValueAsync(
            $"up{{job=\"webserver\", namespace=\"{MonitoredPods.Namespace}\", pod=\"{pods.Webserver.Pod.Metadata.Name}\", container=\"webwatcher\"}}"));
        Assert.Equal(1, await pods.ValueAsync($"up{{job=\"mc1\", pod=\"mc1\", container=\"2nd\"}}"));
        Assert.Equal(pods.RequestsCounted, await pods.ValueAsync("sum(nginx_http_requests_total)"));
    }

    [Fact]
    public async Task Template_variables_list_the_namespace_and_both_pods()
    {
        var values = await VariableValuesAsync();
        Assert.Equal(MonitoredPods.Namespace, values["namespace"]);
        Assert.Equal($"(mc1|{pods.Webserver.Pod.Metadata.Name})", values["pod"]);
    }

    [Fact]
    public async Task Every_panel_query_returns_data_from_the_scraped_pods()
    {
        output.WriteLine($"traffic ended {(DateTimeOffset.UtcNow - pods.TrafficEnded).TotalSeconds:F1} s ago; by status: " +
            (await pods.QueryAsync("sum by (status) (nginx_http_requests_total)")));
        var values = await VariableValuesAsync();
        var existing = await ExistingMetricsAsync();
        var problems = new List<string>();
        foreach (var query in Dashboard.Queries)
        {
            var notes = new List<string>();
            string? problem = await ProblemAsync(GrafanaDashboard.Substitute(query.Expr, values), existing, notes);
            output.WriteLine($"{query.Panel} [{query.RefId} {query.Legend}]: {problem ?? "ok"}; {string.Join("; ", notes)}");
            if (problem is not null)
            {
                problems.Add($"{query.Panel} [{query.RefId}]: {problem}");
            }
        }
        Assert.True(Dashboard.Queries.Count > 30);
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_query_that_names_a_metric_that_does_not_exist_fails_the_check()
    {
        var existing = await ExistingMetricsAsync();
        var notes = new List<string>();
        var values = await VariableValuesAsync();
        string misspelled = GrafanaDashboard.Substitute(
            "sum by (status) (rate(nginx_http_request_total{namespace=\"$namespace\", pod=~\"$pod\"}[$__rate_interval]))", values);
        string noData = GrafanaDashboard.Substitute(
            "sum by (status) (rate(nginx_http_requests_total{namespace=\"$namespace\", pod=\"no-such-pod\"}[$__rate_interval]))", values);

        Assert.Equal("names metrics that do not exist: nginx_http_request_total", await ProblemAsync(misspelled, existing, notes));
        Assert.Equal("returned no data", await ProblemAsync(noData, existing, notes));
    }

    [Fact]
    public async Task Upstream_and_cache_panels_see_nginx_as_a_caching_proxy()
    {
        var values = await VariableValuesAsync();
        double Rate(JsonElement result, string status) => result.EnumerateArray()
            .Where(s => s.GetProperty("metric").GetProperty("cache_status").GetString() == status)
            .Sum(s => double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
        var cache = await pods.QueryAsync(GrafanaDashboard.Substitute(Dashboard.Queries.Single(q => q.Panel == "Cache status").Expr, values));
        Assert.True(Rate(cache, "HIT") > 0, "cache hits");
        Assert.True(Rate(cache, "MISS") > 0, "cache misses");
        foreach (var upstream in Dashboard.Queries.Where(q => q.Panel == "Upstream times p95"))
        {
            double p95 = await pods.ValueAsync(GrafanaDashboard.Substitute(upstream.Expr, values));
            Assert.True(double.IsFinite(p95) && p95 >= 0, $"{upstream.Legend}: {p95}");
        }
    }

    [Fact]
    public async Task Every_rule_evaluates_without_error_and_every_recording_rule_has_series()
    {
        var groups = (await pods.GetAsync("/api/v1/rules")).GetProperty("groups").EnumerateArray().ToList();
        var rules = groups.SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        int inFile = Regex.Count(File.ReadAllText(RepositoryLayout.PathOf("monitoring", "rules", "sidecars.rules.yml")),
            @"^\s+- (alert|record):", RegexOptions.Multiline);
        Assert.Equal(inFile, rules.Count);
        Assert.All(rules, r => Assert.True(r.GetProperty("health").GetString() == "ok", $"{r.GetProperty("name")}: {r}"));

        string pod = pods.Webserver.Pod.Metadata.Name;
        foreach (string record in rules.Where(r => r.GetProperty("type").GetString() == "recording").Select(r => r.GetProperty("name").GetString()!).Distinct())
        {
            var result = await pods.QueryAsync($"{record}{{pod=\"{pod}\"}}");
            Assert.True(result.GetArrayLength() > 0, $"{record} has no series for {pod}");
        }
        // 8 of the requests were 502 from the dead upstream.
        double share = await pods.ValueAsync($"namespace_pod:nginx_http_requests_5xx:ratio_rate5m{{pod=\"{pod}\"}}");
        Assert.InRange(share, 0.05, 0.5);
        Assert.Equal(3, (await pods.QueryAsync($"namespace_pod_quantile:nginx_http_request_duration_seconds:histogram_quantile{{pod=\"{pod}\"}}")).GetArrayLength());
    }

    [Fact]
    public async Task The_5xx_alert_goes_pending_for_the_pod_and_nothing_fires()
    {
        var alerts = (await pods.GetAsync("/api/v1/alerts")).GetProperty("alerts").EnumerateArray().ToList();
        foreach (var alert in alerts)
        {
            output.WriteLine(alert.ToString());
        }
        var high5xx = Assert.Single(alerts, a => a.GetProperty("labels").GetProperty("alertname").GetString() == "SidecarsNginxHigh5xxShare");
        Assert.Equal("pending", high5xx.GetProperty("state").GetString()); // for: 10m
        Assert.Equal(pods.Webserver.Pod.Metadata.Name, high5xx.GetProperty("labels").GetProperty("pod").GetString());
        Assert.Contains($"{MonitoredPods.Namespace}/{pods.Webserver.Pod.Metadata.Name}", high5xx.GetProperty("annotations").GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(alerts, a => a.GetProperty("state").GetString() == "firing");
    }

    [Fact]
    public async Task Prometheus_graph_page_of_the_main_query_renders_and_is_saved_as_a_png()
    {
        // The main panel's query for every pod, on Prometheus' own graph page (Grafana cannot run here).
        var values = new Dictionary<string, string>(await VariableValuesAsync()) { ["__rate_interval"] = "15s" };
        string expr = GrafanaDashboard.Substitute(Dashboard.Queries.First(q => q.Panel == "Requests/s by status").Expr, values);
        var page = new Uri(pods.PrometheusAddress,
            $"/classic/graph?g0.expr={Uri.EscapeDataString(expr)}&g0.tab=0&g0.range_input=1m");

        // The page's scripts drew a series per status
        string dom = await HeadlessChromium.DumpDomAsync(page, TimeSpan.FromSeconds(10));
        Assert.Contains("status=\"200\"", dom.Replace("&quot;", "\"", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("status=\"502\"", dom.Replace("&quot;", "\"", StringComparison.Ordinal), StringComparison.Ordinal);

        // And a PNG of it is kept as a demo artefact
        string png = RepositoryLayout.PathOf(".build", "prometheus-graph.png");
        Directory.CreateDirectory(Path.GetDirectoryName(png)!);
        File.Delete(png);
        await HeadlessChromium.ScreenshotAsync(page, png, TimeSpan.FromSeconds(10));
        byte[] bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.True(bytes.Length > 20_000, $"{bytes.Length} bytes: an empty page?");
        output.WriteLine($"saved {png} ({bytes.Length} bytes) of {page}");
    }
}
