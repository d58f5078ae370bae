using System.Text.Json;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Monitoring;

/// <summary>
/// dashboards/sidecars.json read as Grafana reads it. That every query returns data from a real Prometheus
/// that scraped the pods is shown in Pods.Tests (DashboardPodTests).
/// </summary>
public sealed partial class DashboardTests
{
    private readonly GrafanaDashboard dashboard = GrafanaDashboard.Load(MonitoringFiles.Dashboard);

    private IEnumerable<JsonElement> Graphs => dashboard.Panels.Where(p => p.GetProperty("type").GetString() != "row");

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Selector();

    [Fact]
    public void Has_a_uid_a_title_and_a_current_schema()
    {
        Assert.Equal("sidecars", dashboard.Root.GetProperty("uid").GetString());
        Assert.False(string.IsNullOrWhiteSpace(dashboard.Root.GetProperty("title").GetString()));
        Assert.True(dashboard.Root.GetProperty("schemaVersion").GetInt32() >= 36);
    }

    [Fact]
    public void Has_the_panels_the_issue_lists()
    {
        var titles = Graphs.Select(p => p.GetProperty("title").GetString()!).ToList();
        string[] required =
        [
            "Requests/s by status", "5xx share", "Request duration p50 / p95 / p99", "Bytes/s", "Upstream times p95",
            "Cache status", "Lag", "Malformed lines/s by reason", "Rotations", "State saves", "Label set overflow",
            "Lines written/s", "Missed ticks", "Write failures by reason", "File size",
        ];
        Assert.All(required, title => Assert.Contains(title, titles));
        Assert.Equal(titles.Count, titles.Distinct().Count());
    }

    [Fact]
    public void Latency_panel_shows_p50_p95_and_p99()
    {
        var queries = dashboard.Queries.Where(q => q.Panel == "Request duration p50 / p95 / p99").ToList();
        Assert.Equal(["p50", "p95", "p99"], queries.Select(q => q.Legend));
        Assert.Equal(["0.5", "0.95", "0.99"], queries.Select(q => Regex.Match(q.Expr, @"histogram_quantile\(([0-9.]+)").Groups[1].Value));
    }

    [Fact]
    public void Template_variables_are_the_data_source_the_namespace_and_the_pod()
    {
        var variables = dashboard.Variables;
        Assert.Equal(["datasource", "namespace", "pod"], variables.Select(v => v.Name));
        Assert.Equal("datasource", variables[0].Type);
        var (namespaceSelector, namespaceLabel) = GrafanaDashboard.LabelValues(variables[1].Query!);
        var (podSelector, podLabel) = GrafanaDashboard.LabelValues(variables[2].Query!);
        Assert.Equal(("namespace", "pod"), (namespaceLabel, podLabel));
        // Pods of the chosen namespace, from the sidecars' own build_info series.
        Assert.Contains("namespace=\"$namespace\"", podSelector, StringComparison.Ordinal);
        Assert.Equal(["watcher_build_info", "writer_build_info"], GrafanaDashboard.MetricNames(namespaceSelector).Order(StringComparer.Ordinal));
        Assert.True(variables[2].Multi && variables[2].IncludeAll);
        Assert.Equal(".*", variables[2].AllValue);
    }

    [Fact]
    public void Every_query_selects_by_the_namespace_and_the_pod_variables()
    {
        Assert.NotEmpty(dashboard.Queries);
        Assert.All(dashboard.Queries, q =>
        {
            var selectors = Selector().Matches(q.Expr).Select(m => m.Value).ToList();
            Assert.All(selectors, s =>
            {
                Assert.Contains("namespace=\"$namespace\"", s, StringComparison.Ordinal);
                Assert.Contains("pod=~\"$pod\"", s, StringComparison.Ordinal);
            });
            // No metric without a selector: as many selectors as metric names read.
            Assert.True(selectors.Count >= GrafanaDashboard.MetricNames(q.Expr).Count, $"{q.Panel}: a metric without the variables in {q.Expr}");
        });
    }

    [Fact]
    public void Every_metric_a_query_reads_is_one_the_sidecars_export()
    {
        var unknown = dashboard.Queries
            .SelectMany(q => GrafanaDashboard.MetricNames(q.Expr).Select(name => (q.Panel, name)))
            .Where(x => !MetricCatalog.Knows(x.name))
            .ToList();
        Assert.Empty(unknown);
    }

    [Fact]
    public void A_misspelled_metric_is_caught()
    {
        string expr = "sum by (status) (rate(nginx_http_request_total{namespace=\"$namespace\", pod=~\"$pod\"}[$__rate_interval]))";
        Assert.Equal(["nginx_http_request_total"], GrafanaDashboard.MetricNames(expr));
        Assert.False(MetricCatalog.Knows("nginx_http_request_total"));
        Assert.True(MetricCatalog.Knows("nginx_http_requests_total"));
        Assert.True(MetricCatalog.Knows("nginx_http_upstream_connect_duration_seconds_bucket"));
    }

    [Fact]
    public void Metric_names_are_read_from_selectors_not_from_functions_labels_or_keywords()
    {
        Assert.Equal(["a_total", "b_bucket"], GrafanaDashboard.MetricNames(
            "(sum by (le, pod) (rate(a_total{x=\"y\", z=~\"on|by\"}[5m])) or vector(0)) / on (pod) group_left histogram_quantile(0.9, b_bucket offset 5m)")
            .Order(StringComparer.Ordinal));
        Assert.Equal(["c"], GrafanaDashboard.MetricNames("timestamp(c) - c > 10"));
        Assert.Equal(["w_info", "x_info"], GrafanaDashboard.MetricNames("{__name__=~\"w_info|x_info\", namespace=\"n\"}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Variables_are_substituted_as_grafana_does_and_a_missing_one_fails()
    {
        var values = new Dictionary<string, string> { ["namespace"] = "web", ["pod"] = "(a|b)", ["__rate_interval"] = "1m" };
        Assert.Equal("rate(x{namespace=\"web\", pod=~\"(a|b)\"}[1m])",
            GrafanaDashboard.Substitute("rate(x{namespace=\"$namespace\", pod=~\"${pod}\"}[$__rate_interval])", values));
        Assert.Throws<InvalidOperationException>(() => GrafanaDashboard.Substitute("x{job=\"$job\"}", values));
    }

    [Fact]
    public void Every_panel_queries_the_data_source_variable()
    {
        Assert.All(Graphs, p =>
        {
            Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(p.GetProperty("targets").EnumerateArray());
        });
    }

    [Fact]
    public void Panels_fit_the_grid_without_overlapping()
    {
        var boxes = dashboard.Panels.Select(p =>
        {
            var g = p.GetProperty("gridPos");
            return (Title: p.GetProperty("title").GetString(), X: g.GetProperty("x").GetInt32(), Y: g.GetProperty("y").GetInt32(),
                W: g.GetProperty("w").GetInt32(), H: g.GetProperty("h").GetInt32());
        }).ToList();
        Assert.All(boxes, b => Assert.True(b.X >= 0 && b.W > 0 && b.X + b.W <= 24, $"{b.Title} leaves the 24 columns"));
        for (int i = 0; i < boxes.Count; i++)
        {
            for (int j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                bool overlap = a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H;
                Assert.False(overlap, $"{a.Title} overlaps {b.Title}");
            }
        }
        Assert.Equal(boxes.Count, dashboard.Panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
    }
}
