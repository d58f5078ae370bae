using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Monitoring;

/// <summary>A PodMonitor's label selector (matchLabels and matchExpressions), evaluated as Kubernetes does.</summary>
internal static class LabelSelector
{
    public static bool Selects(YamlMappingNode selector, IDictionary<string, string>? podLabels)
    {
        var labels = podLabels ?? new Dictionary<string, string>();
        var byLabels = (selector.Find("matchLabels") as YamlMappingNode).StringMap();
        var expressions = (selector.Find("matchExpressions") as YamlSequenceNode)?.Maps() ?? [];
        return byLabels.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value)
            && expressions.All(e =>
            {
                bool has = labels.TryGetValue(e.Str("key"), out var value);
                var values = (e.Find("values") as YamlSequenceNode)?.Children.Select(v => ((YamlScalarNode)v).Value!).ToList() ?? [];
                return e.Str("operator") switch
                {
                    "In" => has && values.Contains(value!),
                    "NotIn" => !has || !values.Contains(value!),
                    "Exists" => has,
                    "DoesNotExist" => !has,
                    var op => throw new Xunit.Sdk.XunitException($"unknown operator {op}"),
                };
            });
    }
}
