using System.Buffers;
using Io.Prometheus.Client;
using Sidecars.Hosting;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Writes <see cref="MetricValues"/> as length-delimited <c>io.prometheus.client.MetricFamily</c> messages: the
/// same families, label sets and values as <see cref="Exposition"/> writes in text, in the same order (a series
/// appears with its first observation, a family with its first sample). Histograms carry their classic buckets
/// (cumulative, the <c>+Inf</c> bucket left to the count, as client_golang does).
/// </summary>
internal static class ProtobufFamilies
{
    public static void Write(IBufferWriter<byte> output, MetricValues values)
    {
        var layout = values.Layout;
        var labelSets = new List<LabelPair>?[values.LabelSetCount];
        foreach (var family in MetricFamilies.All)
        {
            if (!layout.IsEnabled(family))
            {
                continue;
            }
            var message = new Io.Prometheus.Client.MetricFamily
            {
                Name = family.Name,
                Help = family.Help,
                Type = family.Shape switch
                {
                    FamilyShape.Histogram => MetricType.Histogram,
                    FamilyShape.Gauge => MetricType.Gauge,
                    _ => MetricType.Counter,
                },
            };
            switch (family.Shape)
            {
                case FamilyShape.PerLabelSet:
                    long[] counts = values.Counts(family);
                    for (int id = 0; id < values.LabelSetCount; id++)
                    {
                        var metric = new Metric { Counter = new Io.Prometheus.Client.Counter { Value = counts[id] } };
                        metric.Label.AddRange(labelSets[id] ??= Labels(layout, layout.KeyOf(id), histogram: false));
                        message.Metric.Add(metric);
                    }
                    break;
                case FamilyShape.Histogram:
                    Histograms(message, layout, values.Histogram(family));
                    break;
                case FamilyShape.ByValue:
                    long[] byValue = values.Counts(family);
                    for (int i = 0; i < byValue.Length; i++)
                    {
                        var metric = new Metric { Counter = new Io.Prometheus.Client.Counter { Value = byValue[i] } };
                        metric.Label.Add(new LabelPair { Name = family.Label, Value = family.Values![i] });
                        message.Metric.Add(metric);
                    }
                    break;
                case FamilyShape.Single:
                    message.Metric.Add(new Metric { Counter = new Io.Prometheus.Client.Counter { Value = values.Counts(family)[0] } });
                    break;
                case FamilyShape.Gauge:
                    message.Metric.Add(new Metric { Gauge = new Gauge { Value = values.Gauge(family) } });
                    break;
            }
            if (message.Metric.Count > 0)
            {
                ProtobufExposition.WriteDelimited(output, message);
            }
        }
    }

    private static void Histograms(Io.Prometheus.Client.MetricFamily message, MetricsLayout layout, HistogramValues h)
    {
        for (int series = 0; series < h.UsedSeries; series++)
        {
            long count = h.Count(series);
            if (count == 0)
            {
                continue; // a series appears with its first observation
            }
            var histogram = new Histogram { SampleCount = (ulong)count, SampleSum = h.Sums[series] };
            long cumulative = 0;
            for (int i = 0; i < h.Bounds.Length; i++)
            {
                cumulative += h.Buckets[series * h.Width + i];
                histogram.Bucket.Add(new Bucket { UpperBound = h.Bounds[i], CumulativeCount = (ulong)cumulative });
            }
            if (h.Native?[series] is { } native)
            {
                AddNative(histogram, native);
            }
            var metric = new Metric { Histogram = histogram };
            metric.Label.AddRange(Labels(layout, layout.SeriesKey(series), histogram: true));
            message.Metric.Add(metric);
        }
    }

    /// <summary>
    /// The native buckets beside the classic ones: schema, zero bucket, and the buckets in use as spans (a new span
    /// past a gap of more than two empty buckets; shorter gaps are cheaper written as zero deltas, as client_golang
    /// does) and deltas (each count less the one before, the first less zero).
    /// </summary>
    internal static void AddNative(Histogram histogram, NativeHistogram native)
    {
        histogram.Schema = native.Schema;
        histogram.ZeroThreshold = NativeSchema.ZeroThreshold;
        histogram.ZeroCount = (ulong)native.ZeroCount;
        var counts = native.Counts;
        BucketSpan? span = null;
        int spanEnd = 0; // index after the last bucket of the current span
        long previous = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }
            int index = native.Offset + i;
            if (span is null || index - spanEnd > 2)
            {
                span = new BucketSpan { Offset = span is null ? index : index - spanEnd, Length = 0 };
                histogram.PositiveSpan.Add(span);
            }
            else
            {
                for (int gap = spanEnd; gap < index; gap++)
                {
                    histogram.PositiveDelta.Add(-previous);
                    previous = 0;
                    span.Length++;
                }
            }
            histogram.PositiveDelta.Add(counts[i] - previous);
            previous = counts[i];
            span.Length++;
            spanEnd = index + 1;
        }
    }

    /// <summary>The label pairs of a label set (or, with <paramref name="histogram"/>, a series), as the text writes them.</summary>
    private static List<LabelPair> Labels(MetricsLayout layout, LabelKey key, bool histogram)
    {
        var labels = new List<LabelPair>(layout.Dimensions.Count);
        for (int d = 0; d < layout.Dimensions.Count; d++)
        {
            var dimension = layout.Dimensions[d];
            if (!histogram || dimension.OnHistograms)
            {
                labels.Add(new LabelPair { Name = dimension.Name, Value = dimension.ValueName(key[d]) });
            }
        }
        return labels;
    }
}
