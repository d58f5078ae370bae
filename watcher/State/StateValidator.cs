using System.Globalization;
using System.Text;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// Checks a loaded state before any of it is used: a file that parses can still be wrong (edited, damaged,
/// written by a bug). Every position, length, counter, bucket, label and list is checked, and the counts
/// must agree with each other (every parsed line is one request of one label set, every malformed line one
/// parse error). A state with any problem is treated like an unreadable one: moved aside, counted as a
/// reset, and the log is read again from the start. Pure: no I/O.
/// </summary>
internal static class StateValidator
{
    /// <summary>More files than a tailer ever keeps open or remembers: a longer list is damage.</summary>
    public const int MaxPositions = 64;

    /// <summary>The first problem found, or null when the state can be restored.</summary>
    public static string? Problem(WatcherStateFile state)
    {
        if (state.Counters is not { } c)
        {
            return "Counters is missing";
        }
        return CheckpointProblem(state.Checkpoint) ?? CounterProblem(c);
    }

    private static string? CheckpointProblem(CheckpointState? checkpoint)
    {
        if (checkpoint is null)
        {
            return null;
        }
        if (checkpoint.Draining is null || checkpoint.Retired is null)
        {
            return "Checkpoint.Draining or Checkpoint.Retired is null";
        }
        if (checkpoint.Draining.Count > MaxPositions || checkpoint.Retired.Count > MaxPositions)
        {
            return $"Checkpoint lists {checkpoint.Draining.Count} draining and {checkpoint.Retired.Count} retired files (at most {MaxPositions})";
        }
        var open = new HashSet<(ulong, ulong)>();
        PositionState?[] all = [checkpoint.Current, .. checkpoint.Draining];
        for (int i = 0; i < all.Length; i++)
        {
            string name = i == 0 ? "Checkpoint.Current" : $"Checkpoint.Draining[{i - 1}]";
            if (all[i] is null)
            {
                if (i == 0)
                {
                    continue;
                }
                return $"{name} is null";
            }
            if (PositionProblem(all[i]!, name) is { } problem)
            {
                return problem;
            }
            if (!open.Add((all[i]!.Device, all[i]!.Inode)))
            {
                return $"{name} names a file (inode {all[i]!.Inode}) twice";
            }
        }
        for (int i = 0; i < checkpoint.Retired.Count; i++)
        {
            if (checkpoint.Retired[i] is not { } retired)
            {
                return $"Checkpoint.Retired[{i}] is null";
            }
            if (PositionProblem(retired, $"Checkpoint.Retired[{i}]") is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    private static string? PositionProblem(PositionState p, string name)
    {
        if (p.Offset is < 0 or > Counter.Max)
        {
            return $"{name}.Offset is {p.Offset}";
        }
        if (p.FingerprintLength is < 0 or > FileFingerprint.MaxLength)
        {
            return $"{name}.FingerprintLength is {p.FingerprintLength} (0 to {FileFingerprint.MaxLength})";
        }
        return null;
    }

    private static string? CounterProblem(CounterState c)
    {
        if (c.LabelSets is null || c.Histograms is null || c.CacheStatus is null || c.ParseErrors is null
            || c.Rotations is null || c.ReadErrors is null)
        {
            return "a list of counters is null";
        }
        foreach (var (name, value) in new (string, long)[]
        {
            ("LinesParsed", c.LinesParsed), ("LinesMalformed", c.LinesMalformed), ("LinesTooLong", c.LinesTooLong),
            ("BytesRead", c.BytesRead), ("StateSaves", c.StateSaves), ("StateSaveFailures", c.StateSaveFailures),
            ("StateResets", c.StateResets), ("LabelSetsOverflow", c.LabelSetsOverflow), ("FilesLost", c.FilesLost),
        })
        {
            if (!Counter.InRange(value))
            {
                return OutOfRange(name, value);
            }
        }
        if (c.LabelSetsOverflow > c.LinesParsed)
        {
            return $"LabelSetsOverflow {c.LabelSetsOverflow} exceeds LinesParsed {c.LinesParsed}";
        }
        return LabelSetProblem(c) ?? HistogramProblem(c) ?? KeyedProblem(c);
    }

    private static string? LabelSetProblem(CounterState c)
    {
        var seen = new HashSet<(string, string, string?)>();
        long requests = 0;
        for (int i = 0; i < c.LabelSets.Count; i++)
        {
            string name = $"LabelSets[{i}]";
            if (c.LabelSets[i] is not { } set)
            {
                return $"{name} is null";
            }
            if ((MethodProblem(set.Method, name) ?? RouteProblem(set.Route, name)) is { } problem)
            {
                return problem;
            }
            if (set.Status != StatusLabel.Name(StatusLabel.Other)
                && !(int.TryParse(set.Status, NumberStyles.None, CultureInfo.InvariantCulture, out int status) && status is >= 100 and <= 599
                    && set.Status == status.ToString(CultureInfo.InvariantCulture)))
            {
                return $"{name}.Status \"{set.Status}\" is not 100 to 599 or other";
            }
            foreach (var (field, value) in new (string, long)[]
                { ("Requests", set.Requests), ("BodyBytes", set.BodyBytes), ("BytesSent", set.BytesSent), ("RequestBytes", set.RequestBytes) })
            {
                if (!Counter.InRange(value))
                {
                    return OutOfRange($"{name}.{field}", value);
                }
            }
            if (!seen.Add((set.Method, set.Status, set.Route)))
            {
                return $"{name} {{{set.Method},{set.Status},{set.Route}}} appears twice";
            }
            requests += set.Requests; // each at most 2^62: the sum of a few cannot overflow before it exceeds LinesParsed
            if (requests > c.LinesParsed)
            {
                break;
            }
        }
        return requests != c.LinesParsed
            ? $"the label sets hold {(requests > c.LinesParsed ? "more" : "fewer")} requests than the {c.LinesParsed} parsed lines"
            : null;
    }

    private static string? HistogramProblem(CounterState c)
    {
        foreach (var (histogramName, histogram) in c.Histograms)
        {
            string name = $"Histograms.{histogramName}";
            if (Array.IndexOf(StateMapping.HistogramNames, histogramName) < 0)
            {
                return $"{name} is not a histogram the watcher keeps";
            }
            if (histogram?.Bounds is not { } bounds || histogram.Series is null)
            {
                return $"{name} has no bounds or no series";
            }
            for (int i = 0; i < bounds.Length; i++)
            {
                if (!double.IsFinite(bounds[i]) || bounds[i] <= 0 || (i > 0 && bounds[i] <= bounds[i - 1]))
                {
                    return $"{name}.Bounds are not positive, finite and increasing";
                }
            }
            var seen = new HashSet<(string, string?)>();
            long observed = 0;
            for (int i = 0; i < histogram.Series.Count; i++)
            {
                string seriesName = $"{name}.Series[{i}]";
                if (histogram.Series[i] is not { } series)
                {
                    return $"{seriesName} is null";
                }
                if ((MethodProblem(series.Method, seriesName) ?? RouteProblem(series.Route, seriesName)) is { } problem)
                {
                    return problem;
                }
                if (series.Buckets is null || series.Buckets.Length != bounds.Length + 1)
                {
                    return $"{seriesName} has {series.Buckets?.Length ?? 0} buckets, not {bounds.Length + 1}";
                }
                foreach (long bucket in series.Buckets)
                {
                    if (!Counter.InRange(bucket))
                    {
                        return OutOfRange($"{seriesName}.Buckets", bucket);
                    }
                    observed = Counter.Add(observed, bucket);
                }
                if (!double.IsFinite(series.Sum) || series.Sum < 0)
                {
                    return $"{seriesName}.Sum is {series.Sum.ToString(CultureInfo.InvariantCulture)}";
                }
                if (!seen.Add((series.Method, series.Route)))
                {
                    return $"{seriesName} {{{series.Method},{series.Route}}} appears twice";
                }
            }
            if (observed > c.LinesParsed)
            {
                return $"{name} holds {observed} observations, more than the {c.LinesParsed} parsed lines";
            }
        }
        return null;
    }

    private static string? KeyedProblem(CounterState c)
    {
        if (Keyed("ParseErrors", c.ParseErrors, Enum.GetValues<ParseFailure>().Select(f => f.Label())) is { } parse)
        {
            return parse;
        }
        long malformed = c.ParseErrors.Values.Aggregate(0L, Counter.Add);
        if (malformed != c.LinesMalformed)
        {
            return $"ParseErrors add up to {malformed}, not to the {c.LinesMalformed} malformed lines";
        }
        return Keyed("Rotations", c.Rotations, Enum.GetValues<RotationKind>().Select(k => k.Label()))
            ?? Keyed("ReadErrors", c.ReadErrors, Enum.GetValues<ReadError>().Select(e => e.Label()))
            ?? Keyed("CacheStatus", c.CacheStatus, null);
    }

    private static string? Keyed(string name, Dictionary<string, long> values, IEnumerable<string>? known)
    {
        var names = known?.ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (names is not null && !names.Contains(key))
            {
                return $"{name} has an unknown key \"{key}\"";
            }
            if (!Counter.InRange(value))
            {
                return OutOfRange($"{name}.{key}", value);
            }
        }
        return null;
    }

    private static string? MethodProblem(string? method, string name) =>
        method is null || Array.IndexOf(HttpMethods.Names, method) < 0 ? $"{name}.Method \"{method}\" is not a method label" : null;

    // Routes may be renamed or removed between runs; a route value is a name or a replacement's value: text, not empty, short.
    private static string? RouteProblem(string? route, string name) =>
        route is not null && (route.Length == 0 || Encoding.UTF8.GetByteCount(route) > LabelValues.MaxValueBytes)
            ? $"{name}.Route \"{route}\" is not a route value (1 to {LabelValues.MaxValueBytes} bytes)"
            : null;

    private static string OutOfRange(string name, long value) =>
        string.Create(CultureInfo.InvariantCulture, $"{name} is {value} (counters are 0 to {Counter.Max})");
}
