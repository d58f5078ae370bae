using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Monitoring;

/// <summary>One recording rule or alert of a Prometheus rule file.</summary>
internal sealed record Rule(string Group, bool IsAlert, string Name, string Expr, string? For,
    Dictionary<string, string> Labels, Dictionary<string, string> Annotations, YamlMappingNode Node);
