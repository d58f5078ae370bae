using System.Runtime.CompilerServices;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// Converts between the in-memory values and the saved form, family by family as <see cref="MetricFamilies"/>
/// declares them. Labels are saved by name, so a changed configuration restores what still fits: a label the
/// configuration no longer has merges its sets, a new one starts at <c>other</c> for the saved requests.
/// </summary>
internal static class StateMapping
{
    public static WatcherStateFile ToState(MetricValues v, TailCheckpoint? checkpoint, DateTimeOffset now)
    {
        var layout = v.Layout;
        var state = new WatcherStateFile { SavedAt = now };
        foreach (LogPosition log in checkpoint?.Logs ?? [])
        {
            state.Logs.Add(new LogCheckpointState
            {
                Path = log.Path,
                Current = ToState(log.Current),
                Draining = [.. log.Draining.Select(p => ToState(p)!)],
                Retired = [.. log.Retired.Select(p => ToState(p)!)],
                TakenAt = checkpoint!.TakenAt,
            });
        }
        MetricFamily[] perLabelSet = [.. MetricFamilies.All.Where(f => f.Shape == FamilyShape.PerLabelSet && layout.IsEnabled(f))];
        for (int id = 0; id < v.LabelSetCount; id++)
        {
            var set = new LabelSetState { Labels = SavedLabels.Of(layout).Set(id) };
            foreach (var family in perLabelSet)
            {
                set.Values[family.Name] = v.Counts(family)[id];
            }
            state.LabelSets.Add(set);
        }
        foreach (var family in MetricFamilies.All)
        {
            if (!layout.IsEnabled(family) || !family.IsSaved)
            {
                continue;
            }
            switch (family.Shape)
            {
                case FamilyShape.Histogram:
                    var histogram = v.Histogram(family);
                    var saved = new HistogramState { Bounds = histogram.Bounds };
                    for (int series = 0; series < histogram.UsedSeries; series++)
                    {
                        if (histogram.Count(series) > 0)
                        {
                            saved.Series.Add(new HistogramSeriesState
                            {
                                Labels = SavedLabels.Of(layout).Series(series),
                                Buckets = histogram.Buckets.AsSpan(series * histogram.Width, histogram.Width).ToArray(),
                                Sum = histogram.Sums[series],
                                Native = histogram.Native?[series] is { } native
                                    ? new NativeHistogramState { Schema = native.Schema, Offset = native.Offset, Counts = native.Counts.ToArray(), ZeroCount = native.ZeroCount }
                                    : null,
                            });
                        }
                    }
                    if (saved.Series.Count > 0)
                    {
                        state.Histograms[family.Name] = saved;
                    }
                    break;
                case FamilyShape.ByValue:
                    long[] counts = v.Counts(family);
                    var byValue = new Dictionary<string, long>(StringComparer.Ordinal);
                    for (int i = 0; i < counts.Length; i++)
                    {
                        if (counts[i] != 0)
                        {
                            byValue[family.Values![i]] = counts[i];
                        }
                    }
                    state.Counters[family.Name] = byValue;
                    break;
                case FamilyShape.Single:
                    state.Totals[family.Name] = v.Counts(family)[0];
                    break;
            }
        }
        return state;
    }

    /// <summary>
    /// Adds the saved counters into <paramref name="v"/> (fresh values) and returns the saved checkpoint.
    /// <paramref name="skipped"/> names what could not be restored (a histogram whose buckets changed, a label
    /// the configuration no longer has). Call only with a state <see cref="StateValidator"/> accepted.
    /// </summary>
    public static TailCheckpoint? Restore(WatcherStateFile state, MetricValues v, List<string> skipped)
    {
        var layout = v.Layout;
        var dropped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in state.LabelSets)
        {
            // Beyond the cap (it was lowered) a saved set merges into "other"; that is no new overflow: a
            // restart changes no counter.
            int id = layout.GetOrAdd(KeyOf(layout, set.Labels, histogram: false, dropped), out _);
            foreach (var (name, value) in set.Values)
            {
                if (MetricFamilies.Named(name) is { Shape: FamilyShape.PerLabelSet } family)
                {
                    ref long total = ref v.Counts(family)[id];
                    total = Counter.Add(total, value);
                }
            }
        }
        v.LabelSetCount = layout.LabelSetCount;
        foreach (var (name, saved) in state.Histograms)
        {
            if (MetricFamilies.Named(name) is not { Shape: FamilyShape.Histogram } family || !layout.IsEnabled(family))
            {
                continue;
            }
            var histogram = v.Histogram(family);
            if (!saved.Bounds.AsSpan().SequenceEqual(histogram.Bounds))
            {
                skipped.Add($"{name} (buckets changed)");
                continue;
            }
            foreach (var series in saved.Series)
            {
                int index = layout.GetOrAddSeries(KeyOf(layout, series.Labels, histogram: true, dropped));
                for (int i = 0; i < histogram.Width; i++)
                {
                    ref long bucket = ref histogram.Buckets[index * histogram.Width + i];
                    bucket = Counter.Add(bucket, series.Buckets[i]);
                }
                histogram.Sums[index] += series.Sum;
                histogram.MarkUsed(index);
                if (histogram.Native is not null)
                {
                    // Saved without native histograms (they were off): the classic counts seed them, so the counts agree.
                    var native = histogram.NativeSeries(index);
                    if (series.Native is { } savedNative)
                    {
                        native.Merge(savedNative.Schema, savedNative.Offset, savedNative.Counts, savedNative.ZeroCount);
                    }
                    else
                    {
                        native.SeedFromClassic(histogram.Bounds, series.Buckets);
                    }
                }
            }
        }
        foreach (var (name, values) in state.Counters)
        {
            if (MetricFamilies.Named(name) is not { Shape: FamilyShape.ByValue } family)
            {
                continue;
            }
            long[] counts = v.Counts(family);
            foreach (var (value, count) in values)
            {
                int i = family.ValueIndex(value);
                if (i >= 0)
                {
                    counts[i] = Counter.Add(counts[i], count);
                }
            }
        }
        foreach (var (name, total) in state.Totals)
        {
            if (MetricFamilies.Named(name) is { Shape: FamilyShape.Single } family)
            {
                v.Counts(family)[0] = total;
            }
        }
        if (dropped.Count > 0)
        {
            skipped.Add($"the labels {string.Join(", ", dropped)} (no longer configured: their sets were merged)");
        }
        if (state.Logs.Count == 0)
        {
            return null;
        }
        // One checkpoint was taken for all logs at once; one saved without its time was taken at most a few ms
        // before the save.
        DateTimeOffset takenAt = state.Logs[0].TakenAt ?? state.SavedAt;
        return new TailCheckpoint(
            [.. state.Logs.Select(l => new LogPosition(l.Path!, ToPosition(l.Current), [.. l.Draining.Select(p => ToPosition(p)!.Value)], [.. l.Retired.Select(p => ToPosition(p)!.Value)]))],
            0, 0)
        {
            TakenAt = takenAt,
        };
    }

    /// <summary>The saved labels of a label set or series, by name.</summary>
    /// <summary>
    /// The labels of each label set and histogram series as a saved state holds them, made once per layout: a label
    /// set never changes, and a state is only serialized (500 label sets: 1,000 dictionaries a save fewer).
    /// </summary>
    private sealed class SavedLabels(MetricsLayout layout)
    {
        private static readonly ConditionalWeakTable<MetricsLayout, SavedLabels> ByLayout = new();
        private readonly Dictionary<string, string>?[] _sets = new Dictionary<string, string>?[layout.Capacity];
        private readonly Dictionary<string, string>?[] _series = new Dictionary<string, string>?[layout.Capacity];

        public static SavedLabels Of(MetricsLayout layout) => ByLayout.GetValue(layout, static l => new SavedLabels(l));

        public Dictionary<string, string> Set(int id) => _sets[id] ??= Labels(layout, layout.KeyOf(id), histogram: false);

        public Dictionary<string, string> Series(int series) => _series[series] ??= Labels(layout, layout.SeriesKey(series), histogram: true);
    }

    private static Dictionary<string, string> Labels(MetricsLayout layout, LabelKey key, bool histogram)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int d = 0; d < layout.Dimensions.Count; d++)
        {
            var dimension = layout.Dimensions[d];
            if (!histogram || dimension.OnHistograms)
            {
                labels[dimension.Name] = dimension.ValueName(key[d]);
            }
        }
        return labels;
    }

    /// <summary>The key of saved labels in this layout: missing labels are <c>other</c>, labels it has not are dropped (and named).</summary>
    private static LabelKey KeyOf(MetricsLayout layout, Dictionary<string, string> labels, bool histogram, HashSet<string> dropped)
    {
        var key = default(LabelKey);
        for (int d = 0; d < layout.Dimensions.Count; d++)
        {
            var dimension = layout.Dimensions[d];
            int id = histogram && !dimension.OnHistograms ? dimension.OtherId
                : labels.TryGetValue(dimension.Name, out string? value) ? dimension.Intern(value)
                : dimension.OtherId;
            key = key.With(d, id);
        }
        foreach (string name in labels.Keys)
        {
            if (!layout.Dimensions.Any(d => d.Name == name))
            {
                dropped.Add(name);
            }
        }
        return key;
    }

    private static PositionState? ToState(TailPosition? position) => position is { } p
        ? new PositionState
        {
            Device = p.Identity.Id.Device,
            Inode = p.Identity.Id.Inode,
            Fingerprint = p.Identity.Fingerprint,
            FingerprintLength = p.Identity.FingerprintLength,
            Offset = p.Offset,
        }
        : null;

    private static TailPosition? ToPosition(PositionState? p) => p is null
        ? null
        : new TailPosition(new FileIdentity(new FileId(p.Device, p.Inode), p.Fingerprint, p.FingerprintLength), p.Offset);
}
