using Sidecars.Testing;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Monitoring;

/// <summary>
/// rules/sidecars.rules.test.yml: promtool's unit tests, run one alert or recording rule at a time (each test
/// group's name starts with the rule it covers), and shown to fail when the rule they cover is broken.
/// </summary>
public sealed class RuleUnitTests
{
    private static readonly RuleFile Rules = RuleFile.Load(MonitoringFiles.RuleFile);
    private static readonly YamlMappingNode TestFile = MonitoringFiles.LoadYaml(MonitoringFiles.RuleTests);

    public static TheoryData<string> Alerts() => [.. Rules.Alerts.Select(a => a.Name)];

    public static TheoryData<string> Records() => [.. Rules.RecordNames];

    public static TheoryData<string> AllRules() => [.. Rules.Alerts.Select(a => a.Name).Concat(Rules.RecordNames)];

    private static List<YamlMappingNode> GroupsOf(string rule) =>
        [.. TestFile.Seq("tests").Maps().Where(g => g.Str("name").StartsWith(rule + " ", StringComparison.Ordinal))];

    private static IEnumerable<YamlMappingNode> AlertTests(string alert) =>
        GroupsOf(alert).SelectMany(g => (g.Find("alert_rule_test") as YamlSequenceNode)?.Maps() ?? []).Where(t => t.Str("alertname") == alert);

    /// <summary>Runs the unit tests of <paramref name="rule"/> against <paramref name="ruleFile"/> (the real one, or a changed copy).</summary>
    private static async Task<(int ExitCode, string Output)> RunUnitTestsAsync(string rule, YamlMappingNode ruleFile)
    {
        using var folder = new TempFolder("promtool-test");
        MonitoringFiles.SaveYaml(ruleFile, folder.File("sidecars.rules.yml"));
        var tests = new YamlMappingNode(
            new YamlScalarNode("rule_files"), new YamlSequenceNode(new YamlScalarNode("sidecars.rules.yml")),
            new YamlScalarNode("evaluation_interval"), TestFile.Get("evaluation_interval"),
            new YamlScalarNode("tests"), new YamlSequenceNode(GroupsOf(rule)));
        MonitoringFiles.SaveYaml(tests, folder.File("tests.yml"));
        return await Promtool.RunAsync(folder.Path, "test", "rules", "tests.yml");
    }

    /// <summary>The rule file with the expression of every rule named <paramref name="rule"/> replaced.</summary>
    private static YamlMappingNode WithExpr(string rule, Func<string, string> change)
    {
        var copy = MonitoringFiles.LoadYaml(MonitoringFiles.RuleFile);
        int changed = 0;
        foreach (var node in copy.Seq("groups").Maps().SelectMany(g => g.Seq("rules").Maps()))
        {
            if ((node.StrOrNull("alert") ?? node.StrOrNull("record")) == rule)
            {
                node.Children[new YamlScalarNode("expr")] = new YamlScalarNode(change(node.Str("expr")));
                changed++;
            }
        }
        Assert.True(changed > 0, $"no rule {rule}");
        return copy;
    }

    [Fact]
    public async Task The_whole_unit_test_file_passes()
    {
        var (exitCode, output) = await Promtool.RunAsync(Path.GetDirectoryName(MonitoringFiles.RuleTests)!, "test", "rules", "sidecars.rules.test.yml");
        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_test_group_belongs_to_a_rule()
    {
        var names = Rules.Alerts.Select(a => a.Name).Concat(Rules.RecordNames).ToList();
        Assert.All(TestFile.Seq("tests").Maps(), g =>
            Assert.True(names.Any(n => g.Str("name").StartsWith(n + " ", StringComparison.Ordinal)), $"group '{g.Str("name")}' names no rule"));
    }

    [Theory]
    [MemberData(nameof(AllRules))]
    public async Task Unit_tests_of_the_rule_pass(string rule)
    {
        Assert.NotEmpty(GroupsOf(rule));
        var (exitCode, output) = await RunUnitTestsAsync(rule, Rules.Root);
        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Alert_has_a_case_where_it_fires_and_one_where_it_does_not(string alert)
    {
        var cases = AlertTests(alert).ToList();
        Assert.Contains(cases, c => c.Seq("exp_alerts").Children.Count > 0);
        Assert.Contains(cases, c => c.Seq("exp_alerts").Children.Count == 0);
        // Firing cases check the summary and description as they render.
        Assert.All(cases.SelectMany(c => c.Seq("exp_alerts").Maps()), expected =>
            Assert.Equal(["description", "summary"], expected.Map("exp_annotations").StringMap().Keys.Order(StringComparer.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Recording_rule_has_expected_samples(string record)
    {
        var expressions = GroupsOf(record).SelectMany(g => g.Seq("promql_expr_test").Maps()).ToList();
        Assert.Contains(expressions, e => e.Str("expr") == record && e.Seq("exp_samples").Children.Count > 0);
    }

    [Theory]
    [MemberData(nameof(Alerts))]
    public async Task Unit_tests_fail_when_the_alert_never_fires(string alert)
    {
        var (exitCode, output) = await RunUnitTestsAsync(alert, WithExpr(alert, _ => "vector(1) == 0"));
        AssertFailedOnExpectations(exitCode, output);
    }

    [Theory]
    [MemberData(nameof(Alerts))]
    public async Task Unit_tests_fail_when_the_alert_always_fires(string alert)
    {
        // Every series of the real expression, whatever its value: the series below the threshold (and the
        // evaluations before it is crossed) must catch it.
        var (exitCode, output) = await RunUnitTestsAsync(alert, WithExpr(alert, expr => StripComparison(expr)));
        AssertFailedOnExpectations(exitCode, output);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public async Task Unit_tests_fail_when_the_recording_rule_computes_something_else(string record)
    {
        var (exitCode, output) = await RunUnitTestsAsync(record, WithExpr(record, expr => $"2 * ({expr})"));
        AssertFailedOnExpectations(exitCode, output);
    }

    // Failed because what came out differs from what the tests expect, not because the changed file is broken.
    private static void AssertFailedOnExpectations(int exitCode, string output)
    {
        Assert.NotEqual(0, exitCode);
        Assert.Contains("got:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("parse error", output, StringComparison.Ordinal);
    }

    // "x > 10" becomes "x": the same series, every one of them, whatever its value.
    private static string StripComparison(string expr)
    {
        foreach (string op in new[] { " == ", " > " })
        {
            int at = expr.LastIndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                return expr[..at];
            }
        }
        throw new InvalidOperationException($"no comparison in {expr}");
    }
}
