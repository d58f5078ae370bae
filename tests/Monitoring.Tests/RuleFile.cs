using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Monitoring;

/// <summary>A Prometheus rule file (`groups:` of `rules:`), read as plain YAML.</summary>
internal sealed class RuleFile(YamlMappingNode root)
{
    public YamlMappingNode Root { get; } = root;

    public static RuleFile Load(string path) => new(MonitoringFiles.LoadYaml(path));

    public IReadOnlyList<Rule> Rules =>
        [.. Root.Seq("groups").Maps().SelectMany(group => group.Seq("rules").Maps().Select(rule =>
        {
            string? alert = rule.StrOrNull("alert");
            return new Rule(
                group.Str("name"),
                alert is not null,
                alert ?? rule.Str("record"),
                rule.Str("expr"),
                rule.StrOrNull("for"),
                (rule.Find("labels") as YamlMappingNode).StringMap(),
                (rule.Find("annotations") as YamlMappingNode).StringMap(),
                rule);
        }))];

    public IReadOnlyList<Rule> Alerts => [.. Rules.Where(r => r.IsAlert)];

    public IReadOnlyList<string> RecordNames => [.. Rules.Where(r => !r.IsAlert).Select(r => r.Name).Distinct()];
}
