using System.Diagnostics;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Monitoring;

/// <summary>rules/sidecars.rules.yml, the one source of the rules, and prometheusrule.yaml rendered from it.</summary>
public sealed partial class RuleFileTests
{
    private readonly RuleFile rules = RuleFile.Load(MonitoringFiles.RuleFile);

    // What the issue asks for, by what each rule watches.
    private static readonly string[] ExpectedAlerts =
    [
        "SidecarsWatcherDown", "SidecarsWatcherNotReady", "SidecarsWatcherLagging", "SidecarsWatcherMalformedLines",
        "SidecarsWatcherStateSavesFailing", "SidecarsWatcherLinesLost", "SidecarsNginxHigh5xxShare",
        "SidecarsWriterStalled", "SidecarsWriterWritesFailing", "SidecarsWriterMissedTicks",
    ];

    private static readonly string[] ExpectedRecords =
    [
        "namespace_pod_status_class:nginx_http_requests:rate5m",
        "namespace_pod:nginx_http_requests_5xx:ratio_rate5m",
        "namespace_pod_quantile:nginx_http_request_duration_seconds:histogram_quantile",
        "namespace_pod:watcher_lines_malformed:ratio_rate5m",
    ];

    [GeneratedRegex("^[a-z_]+(:[a-z0-9_]+){2}$")]
    private static partial Regex RecordName();

    [Fact]
    public async Task Promtool_check_rules_accepts_the_rule_file()
    {
        var (exitCode, output) = await Promtool.RunAsync(Path.GetDirectoryName(MonitoringFiles.RuleFile)!, "check", "rules", "sidecars.rules.yml");
        Assert.True(exitCode == 0, output);
        Assert.Contains($"SUCCESS: {rules.Rules.Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_check_rules_rejects_a_broken_expression()
    {
        // The check above can fail: a rule file with a PromQL syntax error does not pass.
        using var folder = new TempFolder("rules-broken");
        File.WriteAllText(folder.File("broken.yml"), File.ReadAllText(MonitoringFiles.RuleFile)
            .Replace("expr: watcher_lag_bytes > 1048576", "expr: watcher_lag_bytes >> 1048576", StringComparison.Ordinal));
        var (exitCode, output) = await Promtool.RunAsync(folder.Path, "check", "rules", "broken.yml");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("parse error", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Alerts_and_recording_rules_are_the_ones_the_issue_asks_for()
    {
        Assert.Equal(ExpectedAlerts.Order(StringComparer.Ordinal), rules.Alerts.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(ExpectedRecords.Order(StringComparer.Ordinal), rules.RecordNames.Order(StringComparer.Ordinal));
        // p50, p95 and p99 of the request duration.
        Assert.Equal(["0.5", "0.95", "0.99"], rules.Rules.Where(r => r.Name == ExpectedRecords[2]).Select(r => r.Labels["quantile"]));
    }

    [Fact]
    public void Every_metric_a_rule_reads_is_exported_recorded_or_from_kubernetes()
    {
        // `up` comes with every scrape; kube_* from kube-state-metrics (SidecarsWatcherNotReady needs it).
        var unknown = rules.Rules
            .SelectMany(r => GrafanaDashboard.MetricNames(r.Expr).Select(name => (r.Name, name)))
            .Where(x => !MetricCatalog.Knows(x.name) && !rules.RecordNames.Contains(x.name) && x.name != "up"
                && !x.name.StartsWith("kube_pod_", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(unknown);
    }

    [Fact]
    public void Recording_rules_follow_the_level_metric_operations_naming()
    {
        Assert.All(rules.RecordNames, name => Assert.Matches(RecordName(), name));
    }

    [Fact]
    public void Every_alert_has_a_summary_a_description_and_a_severity()
    {
        Assert.All(rules.Alerts, alert =>
        {
            Assert.Equal(["description", "summary"], alert.Annotations.Keys.Order(StringComparer.Ordinal));
            Assert.All(alert.Annotations.Values, text => Assert.Contains("{{ $labels.pod }}", text, StringComparison.Ordinal));
            Assert.Contains(alert.Labels["severity"], new[] { "info", "warning", "critical" });
        });
    }

    [Fact]
    public void Alert_names_are_unique_and_say_they_are_the_sidecars()
    {
        Assert.Equal(rules.Alerts.Count, rules.Alerts.Select(a => a.Name).Distinct().Count());
        Assert.All(rules.Alerts, a => Assert.StartsWith("Sidecars", a.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void Alerts_use_the_thresholds_the_issue_names()
    {
        var byName = rules.Alerts.ToDictionary(a => a.Name);
        Assert.Equal("up{job=\"webserver\"} == 0", byName["SidecarsWatcherDown"].Expr);
        Assert.Contains("kube_pod_container_status_ready{container=\"webwatcher\"}", byName["SidecarsWatcherNotReady"].Expr, StringComparison.Ordinal);
        Assert.Equal("5m", byName["SidecarsWatcherLagging"].For);
        Assert.EndsWith("> 0.01", byName["SidecarsWatcherMalformedLines"].Expr, StringComparison.Ordinal);
        Assert.Equal("increase(watcher_files_lost_total[10m]) > 0", byName["SidecarsWatcherLinesLost"].Expr);
        // 10 x the writer's 1 s interval.
        Assert.EndsWith("writer_last_write_timestamp_seconds > 10", byName["SidecarsWriterStalled"].Expr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrometheusRule_is_what_the_render_script_makes_of_the_rule_file()
    {
        using var folder = new TempFolder("prometheusrule");
        string rendered = folder.File("prometheusrule.yaml");
        var start = new ProcessStartInfo("sh", [MonitoringFiles.RenderScript, rendered]) { RedirectStandardError = true };
        using (var process = Process.Start(start)!)
        {
            string stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, stderr);
        }

        Assert.True(File.ReadAllText(rendered) == File.ReadAllText(MonitoringFiles.PrometheusRule),
            "monitoring/prometheusrule.yaml differs from the rule file: run monitoring/render-prometheusrule.sh");
    }

    [Fact]
    public void PrometheusRule_spec_holds_exactly_the_groups_of_the_rule_file()
    {
        var prometheusRule = MonitoringFiles.LoadYaml(MonitoringFiles.PrometheusRule);
        Assert.Equal("monitoring.coreos.com/v1", prometheusRule.Str("apiVersion"));
        Assert.Equal("PrometheusRule", prometheusRule.Str("kind"));
        Assert.Equal("sidecars", prometheusRule.Map("metadata").Str("name"));
        Assert.Equal(MonitoringFiles.Canonical(rules.Root), MonitoringFiles.Canonical(prometheusRule.Map("spec")));
    }

    [Fact]
    public async Task Promtool_check_rules_accepts_the_PrometheusRule_spec()
    {
        // What the operator loads is the spec: check it as a rule file of its own.
        using var folder = new TempFolder("prometheusrule-spec");
        MonitoringFiles.SaveYaml(MonitoringFiles.LoadYaml(MonitoringFiles.PrometheusRule).Map("spec"), folder.File("spec.yml"));
        var (exitCode, output) = await Promtool.RunAsync(folder.Path, "check", "rules", "spec.yml");
        Assert.True(exitCode == 0, output);
        Assert.Contains($"SUCCESS: {rules.Rules.Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Recording_rules_are_a_group_of_their_own_before_the_alerts()
    {
        // Groups are evaluated in order: the alerts that read recorded series see this evaluation's values.
        Assert.Equal(["sidecars.recording", "sidecars.alerts"], rules.Root.Seq("groups").Maps().Select(g => g.Str("name")));
        Assert.All(rules.Rules.Where(r => r.Group == "sidecars.recording"), r => Assert.False(r.IsAlert));
        Assert.All(rules.Rules.Where(r => r.Group == "sidecars.alerts"), r => Assert.True(r.IsAlert));
    }
}
