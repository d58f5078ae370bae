using System.Globalization;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// Checks a loaded state before any of it is used: a file that parses can still be wrong (edited, damaged,
/// written by a bug). Every position, length, counter, bucket, label and list is checked, and the counts must
/// agree with each other (every parsed line is one request of one label set, every malformed line one parse
/// error). A state with any problem is treated like an unreadable one: moved aside, counted as a reset, and the
/// log is read as on a first start. It checks what any configuration could have saved, so a changed
/// configuration is no problem here. Pure: no I/O.
/// </summary>
internal static class StateValidator
{
    /// <summary>More files than a tailer ever keeps open or remembers: a longer list is damage.</summary>
    public const int MaxPositions = 64;

    /// <summary>More logs than the watcher ever follows.</summary>
    public const int MaxLogs = 1024;

    /// <summary>The first problem found, or null when the state can be restored.</summary>
    public static string? Problem(WatcherStateFile state)
    {
        if (state.Logs is null || state.LabelSets is null || state.Histograms is null || state.Counters is null || state.Totals is null)
        {
            return "a list of the state is null";
        }
        long parsed = 0, malformed = 0;
        if (state.Counters.TryGetValue(MetricFamilies.Lines.Name, out var lines) && lines is not null)
        {
            parsed = lines.GetValueOrDefault(LineResults.Names[LineResults.Parsed]);
            malformed = lines.GetValueOrDefault(LineResults.Names[LineResults.Malformed]);
        }
        return LogsProblem(state.Logs)
            ?? CountersProblem(state, malformed)
            ?? TotalsProblem(state, parsed)
            ?? LabelSetsProblem(state.LabelSets, parsed)
            ?? HistogramsProblem(state.Histograms, parsed);
    }

    private static string? LogsProblem(List<LogCheckpointState> logs)
    {
        if (logs.Count > MaxLogs)
        {
            return $"Logs has {logs.Count} entries (at most {MaxLogs})";
        }
        var paths = new HashSet<string>(StringComparer.Ordinal);
        for (int l = 0; l < logs.Count; l++)
        {
            string name = $"Logs[{l}]";
            if (logs[l] is not { } log)
            {
                return $"{name} is null";
            }
            if (log.Path is null)
            {
                return $"{name}.Path is missing";
            }
            if (!paths.Add(log.Path))
            {
                return $"{name} names the log {log.Path} twice";
            }
            if (log.Draining is null || log.Retired is null)
            {
                return $"{name}.Draining or {name}.Retired is null";
            }
            if (log.Draining.Count > MaxPositions || log.Retired.Count > MaxPositions)
            {
                return $"{name} lists {log.Draining.Count} draining and {log.Retired.Count} retired files (at most {MaxPositions})";
            }
            var open = new HashSet<FileId>();
            PositionState?[] all = [log.Current, .. log.Draining];
            for (int i = 0; i < all.Length; i++)
            {
                string position = i == 0 ? $"{name}.Current" : $"{name}.Draining[{i - 1}]";
                if (all[i] is not { } p)
                {
                    if (i == 0)
                    {
                        continue;
                    }
                    return $"{position} is null";
                }
                if (PositionProblem(p, position) is { } problem)
                {
                    return problem;
                }
                if (!open.Add(new FileId(p.Device, p.Inode)))
                {
                    return $"{position} names a file (inode {p.Inode}) twice";
                }
            }
            for (int i = 0; i < log.Retired.Count; i++)
            {
                if (log.Retired[i] is not { } retired)
                {
                    return $"{name}.Retired[{i}] is null";
                }
                if (PositionProblem(retired, $"{name}.Retired[{i}]") is { } problem)
                {
                    return problem;
                }
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

    private static string? CountersProblem(WatcherStateFile state, long malformed)
    {
        foreach (var (name, values) in state.Counters)
        {
            if (MetricFamilies.Named(name) is not { Shape: FamilyShape.ByValue } family)
            {
                return $"Counters has \"{name}\", not a counter family with a fixed label";
            }
            if (values is null)
            {
                return $"Counters.{name} is null";
            }
            foreach (var (value, count) in values)
            {
                if (family.ValueIndex(value) < 0)
                {
                    return $"Counters.{name} has an unknown {family.Label} \"{value}\"";
                }
                if (!Counter.InRange(count))
                {
                    return OutOfRange($"Counters.{name}.{value}", count);
                }
            }
        }
        long errors = state.Counters.GetValueOrDefault(MetricFamilies.ParseErrors.Name)?.Values.Aggregate(0L, Counter.Add) ?? 0;
        return errors != malformed ? $"the parse errors add up to {errors}, not to the {malformed} malformed lines" : null;
    }

    private static string? TotalsProblem(WatcherStateFile state, long parsed)
    {
        foreach (var (name, total) in state.Totals)
        {
            if (MetricFamilies.Named(name) is not { Shape: FamilyShape.Single })
            {
                return $"Totals has \"{name}\", not a counter without labels";
            }
            if (!Counter.InRange(total))
            {
                return OutOfRange($"Totals.{name}", total);
            }
        }
        long overflow = state.Totals.GetValueOrDefault(MetricFamilies.LabelSetsOverflow.Name);
        return overflow > parsed ? $"{MetricFamilies.LabelSetsOverflow.Name} {overflow} exceeds the {parsed} parsed lines" : null;
    }

    private static string? LabelSetsProblem(List<LabelSetState> sets, long parsed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long requests = 0;
        for (int i = 0; i < sets.Count; i++)
        {
            string name = $"LabelSets[{i}]";
            if (sets[i] is not { Labels: not null, Values: not null } set)
            {
                return $"{name} is null or has no labels or values";
            }
            if (LabelsProblem(set.Labels, name, requireStatus: true) is { } problem)
            {
                return problem;
            }
            foreach (var (family, value) in set.Values)
            {
                if (MetricFamilies.Named(family) is not { Shape: FamilyShape.PerLabelSet })
                {
                    return $"{name}.Values has \"{family}\", not a counter per label set";
                }
                if (!Counter.InRange(value))
                {
                    return OutOfRange($"{name}.Values.{family}", value);
                }
            }
            if (!seen.Add(Canonical(set.Labels)))
            {
                return $"{name} {{{Canonical(set.Labels)}}} appears twice";
            }
            requests += set.Values.GetValueOrDefault(MetricFamilies.Requests.Name); // each at most 2^62: no overflow before it exceeds the parsed lines
            if (requests > parsed)
            {
                break;
            }
        }
        return requests != parsed
            ? $"the label sets hold {(requests > parsed ? "more" : "fewer")} requests than the {parsed} parsed lines"
            : null;
    }

    /// <summary>
    /// A saved native histogram: a schema of -4 to 8, at most 160 buckets whose first index keeps every bucket's
    /// bound a finite double, counts in range, and as many observations as the classic buckets beside it.
    /// </summary>
    private static string? NativeProblem(NativeHistogramState native, long[] classic, string name)
    {
        if (native.Schema is < NativeSchema.Min or > NativeSchema.Max)
        {
            return $"{name}.Schema is {native.Schema}, not {NativeSchema.Min} to {NativeSchema.Max}";
        }
        if (native.Counts is null || native.Counts.Length > NativeSchema.DefaultMaxBuckets)
        {
            return $"{name} has {native.Counts?.Length.ToString(CultureInfo.InvariantCulture) ?? "no"} buckets, not 0 to {NativeSchema.DefaultMaxBuckets}";
        }
        // Bucket bounds from 2^-128 to 2^1024: indexes within ±1152 powers of two at the schema.
        long limit = 1152L << Math.Max(native.Schema, 0) >> Math.Max(-native.Schema, 0);
        if (native.Offset < -limit || (long)native.Offset + native.Counts.Length > limit + 1)
        {
            return $"{name}.Offset {native.Offset} is outside the buckets of finite values";
        }
        long observed = native.ZeroCount;
        if (!Counter.InRange(observed))
        {
            return OutOfRange($"{name}.ZeroCount", observed);
        }
        foreach (long count in native.Counts)
        {
            if (!Counter.InRange(count))
            {
                return OutOfRange($"{name}.Counts", count);
            }
            observed = Counter.Add(observed, count);
        }
        long expected = 0;
        foreach (long bucket in classic)
        {
            expected = Counter.Add(expected, bucket);
        }
        return observed == expected ? null : $"{name} holds {observed} observations, the classic buckets {expected}";
    }

    private static string? HistogramsProblem(Dictionary<string, HistogramState> histograms, long parsed)
    {
        foreach (var (histogramName, histogram) in histograms)
        {
            string name = $"Histograms.{histogramName}";
            if (MetricFamilies.Named(histogramName) is not { Shape: FamilyShape.Histogram })
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
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long observed = 0;
            for (int i = 0; i < histogram.Series.Count; i++)
            {
                string seriesName = $"{name}.Series[{i}]";
                if (histogram.Series[i] is not { Labels: not null } series)
                {
                    return $"{seriesName} is null or has no labels";
                }
                if (LabelsProblem(series.Labels, seriesName, requireStatus: false) is { } problem)
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
                if (series.Native is { } native && NativeProblem(native, series.Buckets, $"{seriesName}.Native") is { } nativeProblem)
                {
                    return nativeProblem;
                }
                if (!seen.Add(Canonical(series.Labels)))
                {
                    return $"{seriesName} {{{Canonical(series.Labels)}}} appears twice";
                }
            }
            if (observed > parsed)
            {
                return $"{name} holds {observed} observations, more than the {parsed} parsed lines";
            }
        }
        return null;
    }

    /// <summary>Label names as Prometheus allows them, short values, a known method, a status or status class.</summary>
    private static string? LabelsProblem(Dictionary<string, string> labels, string name, bool requireStatus)
    {
        if (labels.Count > LabelKey.MaxDimensions)
        {
            return $"{name} has {labels.Count} labels (at most {LabelKey.MaxDimensions})";
        }
        if (!labels.TryGetValue("method", out string? method) || Array.IndexOf(HttpMethods.Names, method) < 0)
        {
            return $"{name} has no method label of the standard verbs or other (got \"{method}\")";
        }
        if (labels.TryGetValue("status", out string? status))
        {
            if (!IsStatus(status))
            {
                return $"{name} status \"{status}\" is not 100 to 599, 1xx to 5xx or other";
            }
        }
        else if (requireStatus)
        {
            return $"{name} has no status label";
        }
        foreach (var (label, value) in labels)
        {
            if (!LabelNames.IsValid(label))
            {
                return $"{name} has a label named \"{label}\", not a Prometheus label name";
            }
            if (value is null || System.Text.Encoding.UTF8.GetByteCount(value) > LabelValues.MaxValueBytes)
            {
                return $"{name} label {label} has no value or one longer than {LabelValues.MaxValueBytes} bytes";
            }
        }
        return null;
    }

    private static bool IsStatus(string? status) =>
        status == "other" || status is [>= '1' and <= '5', var tens, var units]
            && ((char.IsAsciiDigit(tens) && char.IsAsciiDigit(units)) || (tens == 'x' && units == 'x'));

    private static string Canonical(Dictionary<string, string> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static string OutOfRange(string name, long value) =>
        string.Create(CultureInfo.InvariantCulture, $"{name} is {value} (counters are 0 to {Counter.Max})");
}
