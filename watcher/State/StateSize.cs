using System.Text.Json;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// The largest state the settings allow, found by saving the worst case: every label set the cap allows,
/// with the longest labels and the largest counters, every histogram series that can exist, and the most files a
/// checkpoint can name. Both slot files are reserved at this size at start, so saves never run out of room
/// later and a volume that is too small stops the watcher at once with one line.
/// </summary>
internal static class StateSize
{
    /// <summary>What one label set adds to a slot at most with the default labels (method, status), for the README and messages.</summary>
    public const int BytesPerLabelSet = 290;

    /// <summary>The largest size one slot file can reach with <paramref name="options"/> (JSON and its envelope).</summary>
    public static long SlotBound(WatcherOptions options)
    {
        // The labels and their longest values; histograms carry all but status.
        var labels = new List<(string Name, string Longest, int Values)>
        {
            ("method", "OPTIONS", HttpMethods.Count),
            ("status", "other", 600),
        };
        if (options.Routes.Count > 0)
        {
            // A route that takes its value from the path may give any value up to the label limit, every character
            // escaped in JSON (\u0001: 6 bytes).
            string longest = options.Routes.Any(RouteTable.Expands)
                ? new string('\u0001', LabelValues.MaxValueBytes)
                : options.Routes.Select(r => r.Replacement ?? r.Name).Append(RouteTable.Other).MaxBy(n => n.Length)!;
            labels.Add(("route", longest, RouteTable.ValuesNeeded(options.Routes) + 1));
        }
        if (options.SeveralLogs)
        {
            labels.Add(("log", new string('l', 255), options.MaxLogs + 1));
        }
        foreach (var label in options.Labels)
        {
            labels.Add((label.Name, new string('v', LabelValues.MaxValueBytes), label.MaxValues + 1));
        }
        var notOnHistograms = options.Labels.Where(l => !l.OnHistograms).Select(l => l.Name).Append("status").ToHashSet(StringComparer.Ordinal);
        Dictionary<string, string> Labels(bool histogram) =>
            labels.Where(l => !histogram || !notOnHistograms.Contains(l.Name)).ToDictionary(l => l.Name, l => l.Longest, StringComparer.Ordinal);

        var state = new WatcherStateFile { SavedAt = DateTimeOffset.MaxValue };
        var position = new PositionState { Device = ulong.MaxValue, Inode = ulong.MaxValue, Fingerprint = ulong.MaxValue, FingerprintLength = FileFingerprint.MaxLength, Offset = Counter.Max };
        // Per log: the current file, a few rotated files draining (more only if the log is rotated faster than
        // nginx lets go of the old files), and the finished files remembered.
        for (int log = 0; log < (options.SeveralLogs ? options.MaxLogs : 1); log++)
        {
            state.Logs.Add(new LogCheckpointState
            {
                Path = new string('x', 1024),
                Current = position,
                Draining = [.. Enumerable.Repeat(position, 8)],
                Retired = [.. Enumerable.Repeat(position, RotationFollower.RetiredCapacity)],
                TakenAt = DateTimeOffset.MaxValue,
            });
        }
        for (int i = 0; i <= options.MaxLabelSets; i++)
        {
            state.LabelSets.Add(new LabelSetState
            {
                Labels = Labels(histogram: false),
                Values = MetricFamilies.All.Where(f => f.Shape == FamilyShape.PerLabelSet).ToDictionary(f => f.Name, _ => Counter.Max),
            });
        }
        // A series per combination of the histograms' labels, never more than there are label sets.
        long combinations = labels.Where(l => !notOnHistograms.Contains(l.Name)).Aggregate(1L, (n, l) => Math.Min(n * l.Values, int.MaxValue));
        int series = (int)Math.Min(combinations, options.MaxLabelSets + 1);
        foreach (var family in MetricFamilies.All.Where(f => f.Shape == FamilyShape.Histogram))
        {
            double[] bounds = family.SizeBuckets ? options.EffectiveSizeBuckets : options.EffectiveDurationBuckets;
            state.Histograms[family.Name] = new HistogramState
            {
                Bounds = bounds,
                Series = [.. Enumerable.Range(0, series).Select(_ => new HistogramSeriesState
                {
                    Labels = Labels(histogram: true),
                    Buckets = [.. Enumerable.Repeat(Counter.Max, bounds.Length + 1)],
                    Sum = -double.MaxValue,
                })],
            };
        }
        foreach (var family in MetricFamilies.All)
        {
            if (family.Shape == FamilyShape.ByValue)
            {
                state.Counters[family.Name] = family.Values!.ToDictionary(v => v, _ => Counter.Max, StringComparer.Ordinal);
            }
            else if (family.Shape == FamilyShape.Single)
            {
                state.Totals[family.Name] = Counter.Max;
            }
        }
        long json = JsonSerializer.SerializeToUtf8Bytes(state, WatcherStateJsonContext.Default.WatcherStateFile).LongLength;
        return json + StateStore.EnvelopeBytes;
    }
}
