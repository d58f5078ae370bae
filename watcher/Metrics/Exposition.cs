using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Sidecars.Hosting;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Writes <see cref="MetricValues"/> in the Prometheus text format 0.0.4, family by family as
/// <see cref="MetricFamilies"/> declares them: HELP and TYPE, a sample per label set, histograms as cumulative
/// <c>_bucket{le}</c> up to <c>+Inf</c> with <c>_sum</c> and <c>_count</c> (a series appears with its first
/// observation, and a family with its first sample: no HELP and TYPE alone, e.g. for the upstream histograms
/// while nginx proxies nothing), label values escaped, numbers in the invariant culture (integers without exponent).
/// Never a client address or a raw path: label values come from bounded tables. UTF-8 straight into the
/// output (<see cref="ExpositionWriter"/>), with each label set's labels rendered once (<see cref="MetricsLayout.LabelText"/>):
/// 500 label sets are tens of thousands of lines.
/// </summary>
internal static class Exposition
{
    public static void Write(IBufferWriter<byte> output, MetricValues values)
    {
        var writer = new ExpositionWriter(output);
        foreach (var family in MetricFamilies.All)
        {
            if (values.Layout.IsEnabled(family) && HasSamples(values, family))
            {
                WriteFamily(ref writer, values, family);
            }
        }
        writer.Flush();
    }

    public static string ToText(MetricValues values)
    {
        var text = new ArrayBufferWriter<byte>(8192);
        Write(text, values);
        return Encoding.UTF8.GetString(text.WrittenSpan);
    }

    /// <summary>Whether the family would write a sample: a request family needs a label set, a histogram an observation.</summary>
    private static bool HasSamples(MetricValues v, MetricFamily family)
    {
        switch (family.Shape)
        {
            case FamilyShape.PerLabelSet:
                return v.LabelSetCount > 0;
            case FamilyShape.Histogram:
                var h = v.Histogram(family);
                for (int series = 0; series < h.UsedSeries; series++)
                {
                    if (h.Count(series) > 0)
                    {
                        return true;
                    }
                }
                return false;
            default:
                return true;
        }
    }

    private static void WriteFamily(ref ExpositionWriter w, MetricValues v, MetricFamily family)
    {
        w.Header(family.Name, family.Help, family.Type);
        switch (family.Shape)
        {
            case FamilyShape.PerLabelSet:
                long[] values = v.Counts(family);
                byte[] name = Encoding.UTF8.GetBytes(family.Name);
                for (int id = 0; id < v.LabelSetCount; id++)
                {
                    w.Raw(name);
                    w.Raw("{"u8);
                    w.Raw(v.Layout.LabelText(id));
                    w.Raw("} "u8);
                    w.Value(values[id]);
                    w.Raw("\n"u8);
                }
                break;
            case FamilyShape.Histogram:
                Histogram(ref w, v.Layout, family.Name, v.Histogram(family));
                break;
            case FamilyShape.ByValue:
                long[] counts = v.Counts(family);
                for (int i = 0; i < counts.Length; i++)
                {
                    w.Raw(family.Name);
                    w.Raw("{");
                    w.Raw(family.Label!);
                    w.Raw("=\"");
                    w.Escaped(family.Values![i]);
                    w.Raw("\"} ");
                    w.Value(counts[i]);
                    w.Raw("\n");
                }
                break;
            case FamilyShape.Single:
                w.Raw(family.Name);
                w.Raw(" ");
                w.Value(v.Counts(family)[0]);
                w.Raw("\n");
                break;
            case FamilyShape.Gauge:
                w.Raw(family.Name);
                w.Raw(" ");
                w.Value(v.Gauge(family));
                w.Raw("\n");
                break;
        }
    }

    private static void Histogram(ref ExpositionWriter w, MetricsLayout layout, string familyName, HistogramValues h)
    {
        byte[] name = Encoding.UTF8.GetBytes(familyName);
        byte[][] bounds = BoundLabels.GetValue(h.Bounds, LeLabels);
        for (int series = 0; series < h.UsedSeries; series++)
        {
            long count = h.Count(series);
            if (count == 0)
            {
                continue; // a series appears with its first observation
            }
            byte[] labels = layout.SeriesLabelText(series);
            long cumulative = 0;
            for (int i = 0; i < h.Width; i++)
            {
                cumulative += h.Buckets[series * h.Width + i];
                w.Raw(name);
                w.Raw("_bucket{"u8);
                if (labels.Length > 0)
                {
                    w.Raw(labels);
                    w.Raw(","u8);
                }
                w.Raw(bounds[i]);
                w.Value(cumulative);
                w.Raw("\n"u8);
            }
            w.Raw(name);
            w.Raw("_sum"u8);
            Braced(ref w, labels);
            w.Value(h.Sums[series]);
            w.Raw("\n"u8);
            w.Raw(name);
            w.Raw("_count"u8);
            Braced(ref w, labels);
            w.Value(count);
            w.Raw("\n"u8);
        }
    }

    // Each bound as its le label shows it (le="0.005"} ), made once per bounds array: they never change.
    private static readonly ConditionalWeakTable<double[], byte[][]> BoundLabels = new();

    private static byte[][] LeLabels(double[] bounds)
    {
        var labels = new byte[bounds.Length + 1][];
        for (int i = 0; i <= bounds.Length; i++)
        {
            var bound = new ArrayBufferWriter<byte>(32);
            var b = new ExpositionWriter(bound);
            b.Raw("le=\"");
            if (i < bounds.Length)
            {
                b.Value(bounds[i]);
            }
            else
            {
                b.Raw("+Inf");
            }
            b.Raw("\"} ");
            b.Flush();
            labels[i] = bound.WrittenSpan.ToArray();
        }
        return labels;
    }

    /// <summary><c>{labels} </c>, or a space alone without labels.</summary>
    private static void Braced(ref ExpositionWriter w, byte[] labels)
    {
        if (labels.Length > 0)
        {
            w.Raw("{"u8);
            w.Raw(labels);
            w.Raw("}"u8);
        }
        w.Raw(" "u8);
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
}
