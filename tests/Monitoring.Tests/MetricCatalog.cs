using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Monitoring;

/// <summary>
/// The metric names the sidecars document (watcher/README.md's table, writer/README.md, the README's tables), so a
/// dashboard or rule that names a misspelled metric fails without a Prometheus.
/// </summary>
internal static partial class MetricCatalog
{

    [GeneratedRegex("`(?<name>(?:nginx|watcher|writer|process)_[a-z0-9_]+)(?:\\{[^}`]*\\})?`")]
    private static partial Regex BacktickedMetric();

    [GeneratedRegex(@"`\.\.\._(?<part>[a-z]+)_\.\.\.`")]
    private static partial Regex Shorthand();

    public static IReadOnlySet<string> Documented { get; } = Read();

    private static HashSet<string> Read()
    {
        string text = string.Concat(new[] { "watcher", "writer" }.Select(service => File.ReadAllText(RepositoryLayout.PathOf(service, "README.md"))))
            + File.ReadAllText(RepositoryLayout.PathOf("README.md"));
        var names = BacktickedMetric().Matches(text).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        // The watcher's table writes the upstream connect and header histograms as `..._connect_...` after
        // `nginx_http_upstream_response_duration_seconds`, on the same line.
        foreach (string line in text.Split('\n').Where(l => l.Contains("`nginx_http_upstream_response_duration_seconds`", StringComparison.Ordinal)))
        {
            foreach (Match m in Shorthand().Matches(line))
            {
                names.Add($"nginx_http_upstream_{m.Groups["part"].Value}_duration_seconds");
            }
        }
        return names;
    }

    /// <summary>True for a documented metric or a series of a documented histogram.</summary>
    public static bool Knows(string name)
    {
        if (Documented.Contains(name))
        {
            return true;
        }
        foreach (string suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && Documented.Contains(name[..^suffix.Length]))
            {
                return true;
            }
        }
        return false;
    }
}
