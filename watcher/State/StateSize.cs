using System.Text.Json;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// The largest state the settings allow, found by saving the worst case: every label set the cap allows,
/// with the longest labels and the largest counters, every histogram series used, and the most files a
/// checkpoint can name. Both slot files are reserved at this size at start, so saves never run out of room
/// later and a volume that is too small stops the watcher at once with one line.
/// </summary>
internal static class StateSize
{
    /// <summary>What one label set adds to a slot at most, without its route name (for the README and messages).</summary>
    public const int BytesPerLabelSet = 170;

    /// <summary>The largest size one slot file can reach with <paramref name="options"/> (JSON and its envelope).</summary>
    public static long SlotBound(WatcherOptions options)
    {
        string? route = options.Routes.Count == 0 ? null : LongestRouteValue(options.Routes);
        var counters = new CounterState
        {
            LinesParsed = Counter.Max, LinesMalformed = Counter.Max, LinesTooLong = Counter.Max, BytesRead = Counter.Max,
            StateSaves = Counter.Max, StateSaveFailures = Counter.Max, StateResets = Counter.Max, LabelSetsOverflow = Counter.Max,
            FilesLost = Counter.Max,
        };
        for (int i = 0; i <= options.MaxLabelSets; i++)
        {
            counters.LabelSets.Add(new LabelSetState
            {
                Method = "OPTIONS", Status = "other", Route = route,
                Requests = Counter.Max, BodyBytes = Counter.Max, BytesSent = Counter.Max, RequestBytes = Counter.Max,
            });
        }
        int routes = options.Routes.Count == 0 ? 1 : RouteTable.FromOptions(options.Routes).ValueCapacity;
        foreach (string name in StateMapping.HistogramNames)
        {
            double[] bounds = name == "response_size" ? options.EffectiveSizeBuckets : options.EffectiveDurationBuckets;
            var histogram = new HistogramState { Bounds = bounds };
            for (int series = 0; series < HttpMethods.Count * routes; series++)
            {
                histogram.Series.Add(new HistogramSeriesState
                {
                    Method = "OPTIONS", Route = route, Buckets = [.. Enumerable.Repeat(Counter.Max, bounds.Length + 1)], Sum = -double.MaxValue,
                });
            }
            counters.Histograms[name] = histogram;
        }
        foreach (string status in CacheStatuses.Names)
        {
            counters.CacheStatus[status] = Counter.Max;
        }
        foreach (ParseFailure failure in Enum.GetValues<ParseFailure>())
        {
            counters.ParseErrors[failure.Label()] = Counter.Max;
        }
        foreach (RotationKind kind in Enum.GetValues<RotationKind>())
        {
            counters.Rotations[kind.Label()] = Counter.Max;
        }
        foreach (ReadError error in Enum.GetValues<ReadError>())
        {
            counters.ReadErrors[error.Label()] = Counter.Max;
        }
        var position = new PositionState { Device = ulong.MaxValue, Inode = ulong.MaxValue, Fingerprint = ulong.MaxValue, FingerprintLength = FileFingerprint.MaxLength, Offset = Counter.Max };
        var state = new WatcherStateFile
        {
            SavedAt = DateTimeOffset.MaxValue,
            Checkpoint = new CheckpointState
            {
                Current = position,
                Draining = [.. Enumerable.Repeat(position, StateValidator.MaxPositions)],
                Retired = [.. Enumerable.Repeat(position, StateValidator.MaxPositions)],
                TakenAt = DateTimeOffset.MaxValue,
            },
            Counters = counters,
        };
        long json = JsonSerializer.SerializeToUtf8Bytes(state, WatcherStateJsonContext.Default.WatcherStateFile).LongLength;
        return json + StateStore.EnvelopeBytes;
    }

    /// <summary>
    /// The route value longest in JSON: a name or constant replacement, or, when a replacement refers to
    /// groups (or values restored from an earlier run fill its room), any text up to the label value limit,
    /// each character at its longest once escaped (<c>\u0001</c>, 6 bytes).
    /// </summary>
    private static string LongestRouteValue(List<RouteOptions> routes) =>
        routes.Any(RouteTable.Expands)
            ? new string('\u0001', LabelValues.MaxValueBytes)
            : routes.Select(r => !string.IsNullOrEmpty(r.Regex) && !string.IsNullOrEmpty(r.Replacement) ? r.Replacement.Replace("$$", "$", StringComparison.Ordinal) : r.Name)
                .Append(RouteTable.Other)
                .MaxBy(v => JsonEncodedText.Encode(v).EncodedUtf8Bytes.Length)!;
}
