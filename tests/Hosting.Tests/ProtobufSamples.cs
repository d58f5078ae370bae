using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Io.Prometheus.Client;

namespace Sidecars.Testing;

/// <summary>
/// Reads both expositions into the same shape, so a test can say they hold the same families and values:
/// each sample as <c>name{label="value",...}</c> (labels sorted) to its value, histograms as the text writes
/// them (<c>_bucket</c> with <c>le</c> up to <c>+Inf</c>, <c>_sum</c>, <c>_count</c>). Shared by the hosting and
/// watcher tests (linked into both).
/// </summary>
internal static partial class ProtobufSamples
{
    /// <summary>The length-delimited messages of a protobuf exposition, decoded with the generated classes.</summary>
    public static List<MetricFamily> Decode(byte[] body)
    {
        var families = new List<MetricFamily>();
        using var stream = new MemoryStream(body);
        while (stream.Position < stream.Length)
        {
            families.Add(MetricFamily.Parser.ParseDelimitedFrom(stream));
        }
        return families;
    }

    /// <summary>Family name to its type, as the protobuf says.</summary>
    public static Dictionary<string, string> Types(IEnumerable<MetricFamily> families) =>
        families.ToDictionary(f => f.Name, f => f.Type.ToString().ToLowerInvariant());

    /// <summary>Family name to its type, as the text's TYPE lines say.</summary>
    public static Dictionary<string, string> Types(string text) =>
        text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l[7..].Split(' ')).ToDictionary(w => w[0], w => w[1]);

    public static SortedDictionary<string, double> Samples(IEnumerable<MetricFamily> families)
    {
        var samples = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var family in families)
        {
            foreach (var metric in family.Metric)
            {
                var labels = metric.Label.Select(l => (l.Name, l.Value)).ToList();
                switch (family.Type)
                {
                    case MetricType.Counter:
                        samples.Add(Key(family.Name, labels), metric.Counter.Value);
                        break;
                    case MetricType.Gauge:
                        samples.Add(Key(family.Name, labels), metric.Gauge.Value);
                        break;
                    case MetricType.Untyped:
                        samples.Add(Key(family.Name, labels), metric.Untyped.Value);
                        break;
                    case MetricType.Histogram:
                        var h = metric.Histogram;
                        foreach (var bucket in h.Bucket.Where(b => !double.IsPositiveInfinity(b.UpperBound)))
                        {
                            samples.Add(Key(family.Name + "_bucket", [.. labels, ("le", Number(bucket.UpperBound))]), bucket.CumulativeCount);
                        }
                        samples.Add(Key(family.Name + "_bucket", [.. labels, ("le", "+Inf")]), h.SampleCount);
                        samples.Add(Key(family.Name + "_sum", labels), h.SampleSum);
                        samples.Add(Key(family.Name + "_count", labels), h.SampleCount);
                        break;
                    default:
                        throw new InvalidOperationException($"{family.Name}: type {family.Type} not read here");
                }
            }
        }
        return samples;
    }

    public static SortedDictionary<string, double> Samples(string text)
    {
        var samples = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            int brace = line.IndexOf('{', StringComparison.Ordinal);
            int end = line.LastIndexOf(' ');
            string name = brace >= 0 ? line[..brace] : line[..end];
            var labels = brace >= 0
                ? LabelPair().Matches(line[brace..line.LastIndexOf('}')]).Select(m => (m.Groups[1].Value, Unescape(m.Groups[2].Value))).ToList()
                : [];
            string value = line[(end + 1)..];
            samples.Add(Key(name, labels), value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            });
        }
        return samples;
    }

    private static string Key(string name, List<(string Name, string Value)> labels) =>
        name + "{" + string.Join(",", labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value}\"")) + "}";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Unescape(string value)
    {
        var text = new StringBuilder();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
                text.Append(value[i] == 'n' ? '\n' : value[i]);
            }
            else
            {
                text.Append(value[i]);
            }
        }
        return text.ToString();
    }

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*""")]
    private static partial Regex LabelPair();
}
