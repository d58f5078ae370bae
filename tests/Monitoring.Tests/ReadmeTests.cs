using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Monitoring;

/// <summary>The README's "Monitoring" section: one line per alert with what to do, and a runbook for each.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryLayout.PathOf("README.md"));
    private static readonly RuleFile Rules = RuleFile.Load(MonitoringFiles.RuleFile);

    public static TheoryData<string> Alerts() => [.. Rules.Alerts.Select(a => a.Name)];

    private static string Section(string heading)
    {
        int start = Readme.IndexOf($"\n{heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no `{heading}`");
        string level = heading[..(heading.IndexOf(' ', StringComparison.Ordinal) + 1)];
        int end = Regex.Match(Readme[(start + heading.Length + 2)..], $"^#{{1,{level.Length - 1}}} ", RegexOptions.Multiline) is { Success: true } next
            ? start + heading.Length + 2 + next.Index
            : Readme.Length;
        return Readme[start..end];
    }

    [GeneratedRegex(@"^#### (?<name>\S+)$", RegexOptions.Multiline)]
    private static partial Regex RunbookHeading();

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Alert_has_one_line_in_the_alerts_table_with_what_to_do(string alert)
    {
        var row = Assert.Single(Section("### Alerts").Split('\n'), l => l.StartsWith($"| [{alert}](#{alert.ToLowerInvariant()}) |", StringComparison.Ordinal));
        var cells = row.Split('|', StringSplitOptions.TrimEntries)[1..^1];
        Assert.Equal(4, cells.Length);
        Assert.Equal(Rules.Alerts.Single(a => a.Name == alert).Labels["severity"], cells[2]);
        Assert.True(cells[3].Length > 20, $"what to do for {alert}: '{cells[3]}'");
    }

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Alert_has_a_runbook(string alert)
    {
        var runbook = Section($"#### {alert}");
        Assert.True(runbook.Split(' ').Length > 40, $"the runbook of {alert} is too short to say what to do");
    }

    [Fact]
    public void Every_runbook_belongs_to_an_alert()
    {
        var headings = RunbookHeading().Matches(Section("### Runbooks")).Select(m => m.Groups["name"].Value);
        Assert.Equal(Rules.Alerts.Select(a => a.Name).Order(StringComparer.Ordinal), headings.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Monitoring_section_says_how_to_load_the_rules_and_the_dashboard()
    {
        string monitoring = Section("## Monitoring");
        Assert.Contains("kubectl apply -k monitoring/", monitoring, StringComparison.Ordinal);
        Assert.Contains("rule_files:", monitoring, StringComparison.Ordinal);
        Assert.Contains("dashboards/sidecars.json", monitoring, StringComparison.Ordinal);
        Assert.Contains("kube-state-metrics", monitoring, StringComparison.Ordinal);
    }
}
