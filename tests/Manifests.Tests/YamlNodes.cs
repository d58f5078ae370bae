using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Manifests;

/// <summary>Short, failing-with-a-reason navigation through plain YAML (kustomization, CRDs).</summary>
internal static class YamlNodes
{
    public static YamlNode Get(this YamlMappingNode node, string key)
    {
        Assert.True(node.Children.TryGetValue(new YamlScalarNode(key), out var child), $"missing key `{key}`");
        return child!;
    }

    public static YamlNode? Find(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static YamlMappingNode Map(this YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Get(key));

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key) =>
        Assert.IsType<YamlSequenceNode>(node.Get(key));

    public static string Str(this YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Get(key)).Value ?? "";

    public static string? StrOrNull(this YamlMappingNode node, string key) =>
        (node.Find(key) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlMappingNode> Maps(this YamlSequenceNode node) =>
        node.Children.Select(child => Assert.IsType<YamlMappingNode>(child));

    public static IEnumerable<string> Strings(this YamlSequenceNode node) =>
        node.Children.Select(child => Assert.IsType<YamlScalarNode>(child).Value ?? "");

    public static Dictionary<string, string> StringMap(this YamlMappingNode node) =>
        node.Children.ToDictionary(
            pair => Assert.IsType<YamlScalarNode>(pair.Key).Value ?? "",
            pair => Assert.IsType<YamlScalarNode>(pair.Value).Value ?? "");
}
