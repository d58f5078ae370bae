using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// The largest state the settings allow, computed without building it: one piece of each kind at its largest (a
/// label set, a histogram series of each family, a log's positions) is serialised alone, with the real serialiser,
/// and multiplied by the most pieces of that kind the settings allow; the rest of the state (every family, every
/// fixed counter) is serialised once. So the bound costs a few kilobytes of memory whatever the settings, where
/// serialising the whole worst case took hundreds of megabytes. Both slot files are reserved at this size at start,
/// so saves never run out of room later and a volume that is too small stops the watcher at once with one line.
/// </summary>
internal static class StateSize
{
    /// <summary>What one label set adds to a slot at most with the default labels (method, status), for the README and messages.</summary>
    public const int BytesPerLabelSet = 290;

    /// <summary>
    /// The largest slot the watcher accepts: a save holds the state's JSON in memory (its buffer grows by doubling
    /// and is kept), a restart reads both slots and builds their objects, and scrapes render the same label sets at
    /// about 2.4 times the size (every histogram line repeats its labels). With a worst-case state of 8 MiB all of
    /// that fits in the 128 MiB the manifests give the watcher (peak 101 MiB measured); with 15 MiB scrapes ran out
    /// of memory. Settings that allow a larger state are refused at start.
    /// </summary>
    public const long MaxSlotBytes = 8L * 1024 * 1024;

    /// <summary>Rotated files a log is assumed to drain at once (more only if it is rotated faster than nginx lets go of the old files).</summary>
    public const int DrainingPerLog = 8;

    /// <summary>The longest form of a double in JSON (a sum): 17 significant digits, signs and a 3-digit exponent.</summary>
    public const double LongestDouble = -2.2250738585072014E-308;

    /// <summary>The largest size one slot file can reach with <paramref name="options"/> (JSON and its envelope).</summary>
    public static long SlotBound(WatcherOptions options) => Of(options).Slot;

    /// <summary>The largest <c>MaxLabelSets</c> with which the rest of <paramref name="options"/> keep a slot within <see cref="MaxSlotBytes"/> (0: none).</summary>
    public static int LargestMaxLabelSets(WatcherOptions options)
    {
        var labels = LabelsOf(options);
        int low = 0, high = options.MaxLabelSets;
        while (low < high)
        {
            int middle = low + ((high - low + 1) / 2);
            if (Of(options, labels, middle).Slot <= MaxSlotBytes)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }
        return low;
    }

    /// <summary>The largest state <paramref name="options"/> allow, by part.</summary>
    public static StateBound Of(WatcherOptions options) => Of(options, LabelsOf(options), options.MaxLabelSets);

    private static StateBound Of(WatcherOptions options, List<SavedLabel> labels, int maxLabelSets)
    {
        var histogramLabels = labels.Where(l => l.OnHistograms).ToList();
        long labelSets = Math.Min(Combinations(labels), maxLabelSets + 1L);
        // A series per combination of the histograms' labels, never more than there are label sets.
        long series = Math.Min(Combinations(histogramLabels), labelSets);

        long labelSet = Bytes(new LabelSetState
        {
            Labels = labels.ToDictionary(l => l.Name, l => l.Longest, StringComparer.Ordinal),
            Values = MetricFamilies.All.Where(f => f.Shape == FamilyShape.PerLabelSet).ToDictionary(f => f.Name, _ => Counter.Max, StringComparer.Ordinal),
        }, WatcherStateJsonContext.Default.LabelSetState);

        var rest = new WatcherStateFile { SavedAt = DateTimeOffset.MaxValue };
        long histograms = 0;
        foreach (var family in MetricFamilies.All)
        {
            switch (family.Shape)
            {
                case FamilyShape.Histogram:
                    double[] bounds = family.SizeBuckets ? options.EffectiveSizeBuckets : options.EffectiveDurationBuckets;
                    rest.Histograms[family.Name] = new HistogramState { Bounds = bounds };
                    long one = Bytes(new HistogramSeriesState
                    {
                        Labels = histogramLabels.ToDictionary(l => l.Name, l => l.Longest, StringComparer.Ordinal),
                        Buckets = [.. Enumerable.Repeat(Counter.Max, bounds.Length + 1)],
                        Sum = LongestDouble,
                        // With native histograms, the most buckets a series holds, each at the top of the range.
                        Native = options.NativeHistograms > 1
                            ? new NativeHistogramState
                            {
                                Schema = NativeSchema.Min, Offset = int.MinValue,
                                Counts = [.. Enumerable.Repeat(Counter.Max, NativeSchema.DefaultMaxBuckets)], ZeroCount = Counter.Max,
                            }
                            : null,
                    }, WatcherStateJsonContext.Default.HistogramSeriesState);
                    histograms += series * (one + 1);
                    break;
                case FamilyShape.ByValue:
                    rest.Counters[family.Name] = family.Values!.ToDictionary(v => v, _ => Counter.Max, StringComparer.Ordinal);
                    break;
                case FamilyShape.Single:
                    rest.Totals[family.Name] = Counter.Max;
                    break;
            }
        }

        // Per log: the current file, the rotated files draining and the finished files remembered.
        var position = new PositionState { Device = ulong.MaxValue, Inode = ulong.MaxValue, Fingerprint = ulong.MaxValue, FingerprintLength = FileFingerprint.MaxLength, Offset = long.MaxValue };
        long log = Bytes(new LogCheckpointState
        {
            Path = LongestLogPath(options),
            Current = position,
            Draining = [.. Enumerable.Repeat(position, DrainingPerLog)],
            Retired = [.. Enumerable.Repeat(position, RotationFollower.RetiredCapacity)],
            TakenAt = DateTimeOffset.MaxValue,
        }, WatcherStateJsonContext.Default.LogCheckpointState);

        // Each piece is counted with a comma after it: one byte more than a list needs, never less.
        return new StateBound(
            LabelSets: labelSets * (labelSet + 1),
            Histograms: histograms,
            Logs: LogCount(options) * (log + 1),
            Rest: Bytes(rest, WatcherStateJsonContext.Default.WatcherStateFile) + StateSlotFormat.EnvelopeBytes)
        {
            LabelSetCount = labelSets,
            SeriesCount = series,
        };
    }

    /// <summary>A label of the request counters: its name, its value that takes the most bytes in JSON, how many values it has, and whether histograms carry it.</summary>
    private readonly record struct SavedLabel(string Name, string Longest, long Values, bool OnHistograms);

    private static List<SavedLabel> LabelsOf(WatcherOptions options)
    {
        var labels = new List<SavedLabel>
        {
            new("method", Longest(HttpMethods.Names), HttpMethods.Count, OnHistograms: true),
            options.StatusClasses
                ? new("status", Longest([.. Enumerable.Range(0, 6).Select(StatusLabel.ClassName)]), 6, OnHistograms: false)
                : new("status", Longest(["599", StatusLabel.Name(StatusLabel.Other)]), 599 - 100 + 1 + 1, OnHistograms: false),
        };
        if (options.Routes.Count > 0)
        {
            // A route that takes its value from the path may give any value up to the label limit (and so may one
            // restored from an earlier configuration while the table has room); the others only their fixed values.
            var table = new RouteTable(options.Routes);
            string longest = options.Routes.Any(RouteTable.Expands)
                ? Unknown(LabelValues.MaxValueBytes)
                : Longest([.. Enumerable.Range(0, table.ValueCount).Select(table.ValueName)]);
            labels.Add(new("route", longest, table.ValueCapacity, OnHistograms: true));
        }
        if (options.SeveralLogs)
        {
            // The log label is the file name: a glob may match any name (255 bytes at most on Linux).
            var names = options.EffectivePaths.Select(p => Path.GetFileName(Path.GetFullPath(p))).ToList();
            string longest = names.Any(LogPaths.IsGlob) ? Unknown(255) : Longest([.. names, LabelValues.Other]);
            labels.Add(new("log", longest, options.MaxLogs + 1L, OnHistograms: true));
        }
        foreach (var label in options.Labels)
        {
            bool allowList = label.Allow.Count > 0;
            string longest = allowList ? Longest([.. label.Allow, LabelValues.Other]) : Unknown(LabelValues.MaxValueBytes);
            long values = (allowList ? Math.Min(label.MaxValues, label.Allow.Count) : label.MaxValues) + 1L;
            labels.Add(new(label.Name, longest, values, label.OnHistograms));
        }
        return labels;
    }

    /// <summary>The logs a checkpoint can name: one, or with several logs each exact path and, with a glob, up to MaxLogs.</summary>
    private static long LogCount(WatcherOptions options) =>
        !options.SeveralLogs ? 1
        : options.EffectivePaths.Any(p => LogPaths.IsGlob(Path.GetFileName(p))) ? options.MaxLogs
        : Math.Min(options.MaxLogs, options.EffectivePaths.Distinct(StringComparer.Ordinal).Count());

    /// <summary>The longest path a checkpoint can name: an exact path made absolute, or a glob's folder and any file name.</summary>
    private static string LongestLogPath(WatcherOptions options) =>
        Longest([.. options.EffectivePaths.Select(p =>
        {
            string full = Path.GetFullPath(p);
            return LogPaths.IsGlob(Path.GetFileName(full)) ? Path.Combine(Path.GetDirectoryName(full)!, Unknown(255)) : full;
        })]);

    private static long Combinations(IEnumerable<SavedLabel> labels) =>
        labels.Aggregate(1L, (n, l) => Math.Min(n * l.Values, int.MaxValue));

    /// <summary>
    /// A value of <paramref name="utf8Bytes"/> bytes not known in advance, at its largest in JSON: no UTF-8 byte
    /// decodes to more than one character, and no character takes more than 6 bytes (<c>\u0001</c>, <c>\u003C</c>).
    /// </summary>
    private static string Unknown(int utf8Bytes) => new('\u0001', utf8Bytes);

    /// <summary>The value that takes the most bytes in JSON.</summary>
    private static string Longest(string[] values) => values.MaxBy(v => JsonEncodedText.Encode(v).EncodedUtf8Bytes.Length)!;

    private static long Bytes<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type).LongLength;
}
