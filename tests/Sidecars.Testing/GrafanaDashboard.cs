using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sidecars.Testing;

/// <summary>
/// A Grafana dashboard JSON read the way Grafana reads it: panels (also those inside rows), their PromQL
/// queries, and the template variables the queries use; plus what a test needs to run those queries
/// against a real Prometheus: variables substituted, the metric names a query reads.
/// </summary>
public sealed partial class GrafanaDashboard
{
    private GrafanaDashboard(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    public static GrafanaDashboard Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new GrafanaDashboard(document.RootElement.Clone());
    }

    /// <summary>Every panel, rows included, with the panels collapsed rows hold.</summary>
    public IReadOnlyList<JsonElement> Panels =>
        [.. Root.GetProperty("panels").EnumerateArray().SelectMany(p =>
            p.TryGetProperty("panels", out var inner) ? [p, .. inner.EnumerateArray()] : new[] { p })];

    public IReadOnlyList<DashboardQuery> Queries =>
        [.. Panels.Where(p => p.TryGetProperty("targets", out _)).SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t =>
            new DashboardQuery(
                p.GetProperty("title").GetString()!,
                t.GetProperty("refId").GetString()!,
                t.GetProperty("expr").GetString()!,
                t.TryGetProperty("legendFormat", out var legend) ? legend.GetString() ?? "" : "")))];

    public IReadOnlyList<DashboardVariable> Variables =>
        [.. Root.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => new DashboardVariable(
            v.GetProperty("name").GetString()!,
            v.GetProperty("type").GetString()!,
            v.TryGetProperty("query", out var q) ? (q.ValueKind == JsonValueKind.Object ? q.GetProperty("query").GetString() : q.GetString()) : null,
            v.TryGetProperty("multi", out var multi) && multi.GetBoolean(),
            v.TryGetProperty("includeAll", out var all) && all.GetBoolean(),
            v.TryGetProperty("allValue", out var allValue) ? allValue.GetString() : null))];

    /// <summary>
    /// Replaces <c>$name</c> and <c>${name}</c> by <paramref name="values"/> (longest names first, as Grafana does
    /// not confuse <c>$pod</c> with <c>$pods</c>); fails on a variable it has no value for.
    /// </summary>
    public static string Substitute(string expr, IReadOnlyDictionary<string, string> values)
    {
        string result = Variable().Replace(expr, m =>
        {
            string name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["name"].Value;
            return values.TryGetValue(name, out var value) ? value
                : throw new InvalidOperationException($"no value for variable ${name} in {expr}");
        });
        return result;
    }

    /// <summary>Grafana's <c>label_values(selector, label)</c> as its two parts.</summary>
    public static (string Selector, string Label) LabelValues(string query)
    {
        var match = LabelValuesCall().Match(query);
        if (!match.Success)
        {
            throw new FormatException($"not label_values(selector, label): {query}");
        }
        return (match.Groups["selector"].Value.Trim(), match.Groups["label"].Value.Trim());
    }

    /// <summary>
    /// The metric names <paramref name="expr"/> reads: the names of its vector selectors, found by removing
    /// strings, label matchers, ranges, grouping clauses, functions and keywords.
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expr)
    {
        string text = QuotedString().Replace(expr, "\"\"");
        var names = new HashSet<string>(StringComparer.Ordinal);
        // {__name__=~"a|b"} or {__name__="a"}: the names are in the matcher.
        foreach (Match m in NameMatcher().Matches(expr))
        {
            foreach (string name in m.Groups["names"].Value.Split('|'))
            {
                names.Add(name);
            }
        }
        text = Braces().Replace(text, " ");
        text = Brackets().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        foreach (Match m in Identifier().Matches(text))
        {
            string word = m.Groups["word"].Value;
            bool isCall = m.Groups["call"].Success;
            if (!isCall && !Keywords.Contains(word))
            {
                names.Add(word);
            }
        }
        return names;
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan",
    };

    [GeneratedRegex(@"\$(?:\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?<name>[A-Za-z_][A-Za-z0-9_]*))")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^\s*label_values\(\s*(?<selector>.*),\s*(?<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", RegexOptions.Singleline)]
    private static partial Regex LabelValuesCall();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex QuotedString();

    [GeneratedRegex("__name__\\s*=~?\\s*\"(?<names>[A-Za-z0-9_:|]+)\"")]
    private static partial Regex NameMatcher();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:.])(?<word>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
