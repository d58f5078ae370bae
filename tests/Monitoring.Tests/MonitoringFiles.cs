using Sidecars.Testing;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Monitoring;

/// <summary>The files in monitoring/ and the YAML plumbing the tests share.</summary>
internal static class MonitoringFiles
{
    public static string Folder => RepositoryLayout.PathOf("monitoring");

    public static string RuleFile => Path.Combine(Folder, "rules", "sidecars.rules.yml");

    public static string RuleTests => Path.Combine(Folder, "rules", "sidecars.rules.test.yml");

    public static string PrometheusRule => Path.Combine(Folder, "prometheusrule.yaml");

    public static string RenderScript => Path.Combine(Folder, "render-prometheusrule.sh");

    public static string Dashboard => Path.Combine(Folder, "dashboards", "sidecars.json");

    public static YamlMappingNode LoadYaml(string path) => ParseYaml(File.ReadAllText(path));

    public static YamlMappingNode ParseYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    /// <summary>All documents of a multi-document YAML text (kustomize output).</summary>
    public static List<YamlMappingNode> ParseYamlDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode))];
    }

    public static void SaveYaml(YamlNode root, string path)
    {
        using var writer = new StreamWriter(path);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
    }

    public static YamlNode Get(this YamlMappingNode node, string key)
    {
        Assert.True(node.Children.TryGetValue(new YamlScalarNode(key), out var child), $"missing key `{key}`");
        return child!;
    }

    public static YamlNode? Find(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static YamlMappingNode Map(this YamlMappingNode node, string key) => Assert.IsType<YamlMappingNode>(node.Get(key));

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key) => Assert.IsType<YamlSequenceNode>(node.Get(key));

    public static string Str(this YamlMappingNode node, string key) => Assert.IsType<YamlScalarNode>(node.Get(key)).Value ?? "";

    public static string? StrOrNull(this YamlMappingNode node, string key) => (node.Find(key) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlMappingNode> Maps(this YamlSequenceNode node) =>
        node.Children.Select(child => Assert.IsType<YamlMappingNode>(child));

    public static Dictionary<string, string> StringMap(this YamlMappingNode? node) =>
        node?.Children.ToDictionary(
            pair => Assert.IsType<YamlScalarNode>(pair.Key).Value ?? "",
            pair => Assert.IsType<YamlScalarNode>(pair.Value).Value ?? "") ?? [];

    /// <summary>A YAML tree as one canonical string (maps with sorted keys, scalars by value), for equality.</summary>
    public static string Canonical(YamlNode node) => node switch
    {
        YamlScalarNode s => System.Text.Json.JsonSerializer.Serialize(s.Value),
        YamlSequenceNode seq => "[" + string.Join(",", seq.Children.Select(Canonical)) + "]",
        YamlMappingNode map => "{" + string.Join(",", map.Children
            .Select(p => (Key: ((YamlScalarNode)p.Key).Value!, Value: Canonical(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{System.Text.Json.JsonSerializer.Serialize(p.Key)}:{p.Value}")) + "}",
        _ => throw new NotSupportedException(node.GetType().Name),
    };
}
