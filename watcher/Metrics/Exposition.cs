using System.Globalization;
using System.Text;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Writes <see cref="MetricValues"/> in the Prometheus text format 0.0.4, family by family as
/// <see cref="MetricFamilies"/> declares them: HELP and TYPE, a sample per label set, histograms as cumulative
/// <c>_bucket{le}</c> up to <c>+Inf</c> with <c>_sum</c> and <c>_count</c> (a series appears with its first
/// observation), label values escaped, numbers in the invariant culture (integers without exponent).
/// Never a client address or a raw path: label values come from bounded tables.
/// </summary>
internal static class Exposition
{
    public static void Write(StringBuilder text, MetricValues values)
    {
        foreach (var family in MetricFamilies.All)
        {
            if (values.Layout.IsEnabled(family))
            {
                WriteFamily(text, values, family);
            }
        }
    }

    public static string ToText(MetricValues values)
    {
        var text = new StringBuilder(8192);
        Write(text, values);
        return text.ToString();
    }

    private static void WriteFamily(StringBuilder text, MetricValues v, MetricFamily family)
    {
        Header(text, family.Name, family.Help, family.Type);
        switch (family.Shape)
        {
            case FamilyShape.PerLabelSet:
                long[] values = v.Counts(family);
                for (int id = 0; id < v.LabelSetCount; id++)
                {
                    text.Append(family.Name).Append('{');
                    v.Layout.WriteLabels(text, v.Layout.KeyOf(id), histogram: false);
                    text.Append("} ");
                    Number(text, values[id]).Append('\n');
                }
                break;
            case FamilyShape.Histogram:
                Histogram(text, v.Layout, family.Name, v.Histogram(family));
                break;
            case FamilyShape.ByValue:
                long[] counts = v.Counts(family);
                for (int i = 0; i < counts.Length; i++)
                {
                    Sample(text, family.Name, family.Label!, family.Values![i], counts[i]);
                }
                break;
            case FamilyShape.Single:
                text.Append(family.Name).Append(' ');
                Number(text, v.Counts(family)[0]).Append('\n');
                break;
            case FamilyShape.Gauge:
                text.Append(family.Name).Append(' ');
                Number(text, v.Gauge(family)).Append('\n');
                break;
        }
    }

    private static void Histogram(StringBuilder text, MetricsLayout layout, string name, HistogramValues h)
    {
        var labels = new StringBuilder(64);
        for (int series = 0; series < h.UsedSeries; series++)
        {
            long count = h.Count(series);
            if (count == 0)
            {
                continue; // a series appears with its first observation
            }
            labels.Clear();
            layout.WriteLabels(labels, layout.SeriesKey(series), histogram: true);
            string prefix = labels.Length == 0 ? "" : labels.Append(',').ToString();
            long cumulative = 0;
            for (int i = 0; i < h.Width; i++)
            {
                cumulative += h.Buckets[series * h.Width + i];
                text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"");
                if (i < h.Bounds.Length)
                {
                    Number(text, h.Bounds[i]);
                }
                else
                {
                    text.Append("+Inf");
                }
                text.Append("\"} ");
                Number(text, cumulative).Append('\n');
            }
            string plain = prefix.Length == 0 ? "" : "{" + prefix[..^1] + "}";
            text.Append(name).Append("_sum").Append(plain).Append(' ');
            Number(text, h.Sums[series]).Append('\n');
            text.Append(name).Append("_count").Append(plain).Append(' ');
            Number(text, count).Append('\n');
        }
    }

    private static void Sample(StringBuilder text, string name, string label, string value, long number)
    {
        text.Append(name).Append('{').Append(label).Append("=\"");
        Escape(text, value).Append("\"} ");
        Number(text, number).Append('\n');
    }

    private static void Header(StringBuilder text, string name, string help, string type)
    {
        text.Append("# HELP ").Append(name).Append(' ');
        // HELP text escapes only backslash and newline.
        foreach (char c in help)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
        text.Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>Appends a label value with <c>\</c>, <c>"</c> and newline escaped.</summary>
    public static StringBuilder Escape(StringBuilder text, string value)
    {
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
        return text;
    }

    public static string EscapeString(string value) => Escape(new StringBuilder(value.Length + 4), value).ToString();

    public static StringBuilder Number(StringBuilder text, long value) => text.Append(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Integral values without exponent or decimals; others in the shortest round-trip form.</summary>
    public static StringBuilder Number(StringBuilder text, double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return text.Append("+Inf");
        }
        if (double.IsNegativeInfinity(value))
        {
            return text.Append("-Inf");
        }
        if (double.IsNaN(value))
        {
            return text.Append("NaN");
        }
        if (value == Math.Floor(value) && Math.Abs(value) < 1e17)
        {
            return text.Append(((long)value).ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(value.ToString("R", CultureInfo.InvariantCulture));
    }
}
