using Sidecars.Testing;

namespace Sidecars.Tests.Monitoring;

/// <summary>
/// docs/runbooks.md: one line per alert with what to do, and a runbook for each; docs/monitoring.md: how to load the
/// rules and the dashboard, and what they assume.
/// </summary>
public sealed class RunbookTests
{
    private static readonly MarkdownDocument Runbooks = MarkdownDocument.Load("docs", "runbooks.md");
    private static readonly MarkdownDocument Monitoring = MarkdownDocument.Load("docs", "monitoring.md");
    private static readonly RuleFile Rules = RuleFile.Load(MonitoringFiles.RuleFile);

    public static TheoryData<string> Alerts() => [.. Rules.Alerts.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Alert_has_one_line_in_the_alerts_table_with_what_to_do(string alert)
    {
        var row = Assert.Single(Runbooks.Section("## Alerts").Split('\n'), l => l.StartsWith($"| [{alert}](#{alert.ToLowerInvariant()}) |", StringComparison.Ordinal));
        var cells = row.Split('|', StringSplitOptions.TrimEntries)[1..^1];
        Assert.Equal(4, cells.Length);
        Assert.Equal(Rules.Alerts.Single(a => a.Name == alert).Labels["severity"], cells[2]);
        Assert.True(cells[3].Length > 20, $"what to do for {alert}: '{cells[3]}'");
    }

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Alert_has_a_runbook(string alert)
    {
        var runbook = Runbooks.Section($"### {alert}");
        Assert.True(runbook.Split(' ').Length > 40, $"the runbook of {alert} is too short to say what to do");
    }

    [Fact]
    public void Every_runbook_belongs_to_an_alert()
    {
        var headings = Runbooks.Headings(Runbooks.Section("## Runbooks"), level: 3);
        Assert.Equal(Rules.Alerts.Select(a => a.Name).Order(StringComparer.Ordinal), headings.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Monitoring_doc_says_how_to_load_the_rules_and_the_dashboard()
    {
        string monitoring = Monitoring.Section("# Monitoring");
        Assert.Contains("kubectl apply -k monitoring/", monitoring, StringComparison.Ordinal);
        Assert.Contains("rule_files:", monitoring, StringComparison.Ordinal);
        Assert.Contains("dashboards/sidecars.json", monitoring, StringComparison.Ordinal);
        Assert.Contains("kube-state-metrics", monitoring, StringComparison.Ordinal);
    }
}
