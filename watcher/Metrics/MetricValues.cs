using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Histogram values per series in plain arrays: for each series, the count of observations per
/// bucket (not cumulative; the last slot is +Inf) and the sum.
/// </summary>
internal sealed class HistogramValues
{
    public HistogramValues(double[] bounds, int series)
    {
        Bounds = bounds;
        Width = bounds.Length + 1;
        Buckets = new long[series * Width];
        Sums = new double[series];
    }

    public double[] Bounds { get; }
    public int Width { get; }
    public long[] Buckets { get; }
    public double[] Sums { get; }
    public int Series => Sums.Length;

    /// <summary>One past the highest series observed so far: copies stop there.</summary>
    public int UsedSeries { get; private set; }

    /// <summary>The native histogram of each series beside its classic buckets (Watcher:NativeHistograms), or null when off.</summary>
    public NativeHistogram?[]? Native { get; private set; }

    /// <summary>The schema a native histogram series starts at.</summary>
    public int NativeSchema { get; private set; }

    // watcher_native_histogram_resolution_reductions_total, shared by the histogram families of one MetricValues.
    private long[]? _reductions;

    /// <summary>Keeps a native histogram per series beside the classic buckets, starting at <paramref name="schema"/>.</summary>
    public void EnableNative(int schema, long[] reductions)
    {
        Native = new NativeHistogram?[Series];
        NativeSchema = schema;
        _reductions = reductions;
    }

    public void Observe(int series, double value)
    {
        if (series >= UsedSeries)
        {
            UsedSeries = series + 1;
        }
        double[] bounds = Bounds;
        int i = 0;
        while (i < bounds.Length && value > bounds[i])
        {
            i++;
        }
        Buckets[series * Width + i]++;
        Sums[series] += value;
        if (Native is not null)
        {
            ObserveNative(series, value);
        }
    }

    private void ObserveNative(int series, double value)
    {
        var native = Native![series] ??= new NativeHistogram(NativeSchema, Metrics.NativeSchema.DefaultMaxBuckets);
        int reductions = native.Observe(value);
        if (reductions > 0)
        {
            _reductions![0] += reductions;
        }
    }

    /// <summary>The native histogram of <paramref name="series"/>, made when first asked for (restoring saved state).</summary>
    public NativeHistogram NativeSeries(int series) =>
        Native![series] ??= new NativeHistogram(NativeSchema, Metrics.NativeSchema.DefaultMaxBuckets);

    public long Count(int series)
    {
        long count = 0;
        foreach (long c in Buckets.AsSpan(series * Width, Width))
        {
            count += c;
        }
        return count;
    }

    /// <summary>The value below which <paramref name="quantile"/> of the observations fall, interpolated in the bucket (NaN when empty).</summary>
    public double EstimateQuantile(double quantile, ReadOnlySpan<long> totals)
    {
        long count = 0;
        foreach (long c in totals)
        {
            count += c;
        }
        if (count == 0)
        {
            return double.NaN;
        }
        double rank = quantile * count;
        long seen = 0;
        for (int i = 0; i < totals.Length; i++)
        {
            if (seen + totals[i] >= rank && totals[i] > 0)
            {
                if (i == Bounds.Length)
                {
                    return Bounds.Length > 0 ? Bounds[^1] : double.NaN;
                }
                double lower = i == 0 ? 0 : Bounds[i - 1];
                return lower + (Bounds[i] - lower) * ((rank - seen) / totals[i]);
            }
            seen += totals[i];
        }
        return Bounds.Length > 0 ? Bounds[^1] : double.NaN;
    }

    /// <summary>Bucket counts of every series added together.</summary>
    public long[] Totals()
    {
        var totals = new long[Width];
        for (int s = 0; s < Series; s++)
        {
            for (int i = 0; i < Width; i++)
            {
                totals[i] += Buckets[s * Width + i];
            }
        }
        return totals;
    }

    /// <summary>Copies the series in use (the rest are zero in both, since series are only ever added).</summary>
    public void CopyTo(HistogramValues other)
    {
        Buckets.AsSpan(0, UsedSeries * Width).CopyTo(other.Buckets);
        Sums.AsSpan(0, UsedSeries).CopyTo(other.Sums);
        other.UsedSeries = UsedSeries;
        if (Native is not null && other.Native is not null)
        {
            for (int series = 0; series < UsedSeries; series++)
            {
                if (Native[series] is { } native)
                {
                    native.CopyTo(other.NativeSeries(series));
                }
            }
        }
    }

    /// <summary>Marks <paramref name="series"/> as used after its values were set directly (restoring saved state).</summary>
    public void MarkUsed(int series)
    {
        if (series >= UsedSeries)
        {
            UsedSeries = series + 1;
        }
    }
}

/// <summary>
/// One complete copy of every value the watcher exports, stored per family of <see cref="MetricFamilies"/>:
/// a counter per label set, a histogram per series, a counter per value of a fixed label, or one number. The
/// line counter updates a staged copy per line; the exposition reads a published copy; <see cref="CopyTo"/>
/// moves values between them. The named properties are shortcuts into the family arrays.
/// </summary>
internal sealed class MetricValues
{
    private readonly long[][] _counts;
    private readonly HistogramValues?[] _histograms;
    private readonly double[] _gauges;

    public MetricValues(MetricsLayout layout)
    {
        Layout = layout;
        int families = MetricFamilies.All.Length;
        _counts = new long[families][];
        _histograms = new HistogramValues?[families];
        _gauges = new double[families];
        foreach (var family in MetricFamilies.All)
        {
            _counts[family.Index] = family.Shape switch
            {
                FamilyShape.PerLabelSet => new long[layout.Capacity],
                FamilyShape.ByValue => new long[family.Values!.Length],
                FamilyShape.Single => new long[1],
                _ => [],
            };
            if (family.Shape == FamilyShape.Histogram)
            {
                _histograms[family.Index] = new HistogramValues(family.SizeBuckets ? layout.SizeBuckets : layout.DurationBuckets, layout.Capacity);
            }
        }
        if (layout.NativeHistogramSchema is { } schema)
        {
            foreach (var family in MetricFamilies.All)
            {
                _histograms[family.Index]?.EnableNative(schema, _counts[MetricFamilies.NativeResolutionReductions.Index]);
            }
        }
        Requests = Counts(MetricFamilies.Requests);
        BodyBytes = Counts(MetricFamilies.BodyBytes);
        BytesSent = Counts(MetricFamilies.BytesSent);
        RequestBytes = Counts(MetricFamilies.RequestBytes);
        RequestDuration = Histogram(MetricFamilies.RequestDuration);
        UpstreamResponseDuration = Histogram(MetricFamilies.UpstreamResponseDuration);
        UpstreamConnectDuration = Histogram(MetricFamilies.UpstreamConnectDuration);
        UpstreamHeaderDuration = Histogram(MetricFamilies.UpstreamHeaderDuration);
        ResponseSize = Histogram(MetricFamilies.ResponseSize);
        CacheStatus = Counts(MetricFamilies.CacheStatus);
        Lines = Counts(MetricFamilies.Lines);
        ReadErrors = Counts(MetricFamilies.ReadErrors);
        Rotations = Counts(MetricFamilies.Rotations);
    }

    public MetricsLayout Layout { get; }

    /// <summary>How many label sets of the layout these values cover.</summary>
    public int LabelSetCount;

    /// <summary>A counter family's values: per label set id, per fixed label value, or one.</summary>
    public long[] Counts(MetricFamily family) => _counts[family.Index];

    public HistogramValues Histogram(MetricFamily family) => _histograms[family.Index]!;

    public ref double Gauge(MetricFamily family) => ref _gauges[family.Index];

    public readonly long[] Requests;
    public readonly long[] BodyBytes;
    public readonly long[] BytesSent;
    public readonly long[] RequestBytes;

    public readonly HistogramValues RequestDuration;
    public readonly HistogramValues UpstreamResponseDuration;
    public readonly HistogramValues UpstreamConnectDuration;
    public readonly HistogramValues UpstreamHeaderDuration;
    public readonly HistogramValues ResponseSize;

    public readonly long[] CacheStatus;
    /// <summary>By <see cref="LineResults"/>.</summary>
    public readonly long[] Lines;
    public readonly long[] ReadErrors;
    public readonly long[] Rotations;

    public ref long LinesParsed => ref Lines[LineResults.Parsed];
    public ref long LinesMalformed => ref Lines[LineResults.Malformed];
    public ref long LinesTooLong => ref Lines[LineResults.TooLong];
    public ref long LinesExcluded => ref Lines[LineResults.Excluded];

    /// <summary>
    /// The complete lines read: <c>watcher_lines_total</c> over all its results (parsed, malformed, too long, excluded).
    /// The one figure of "lines" for the summary line, once mode and the time of the last line.
    /// </summary>
    public long LinesRead
    {
        get
        {
            long lines = 0;
            foreach (long count in Lines)
            {
                lines += count;
            }
            return lines;
        }
    }
    public ref long BytesRead => ref _counts[MetricFamilies.BytesRead.Index][0];
    public ref long FilesLost => ref _counts[MetricFamilies.FilesLost.Index][0];
    public ref long StateSaves => ref _counts[MetricFamilies.StateSaves.Index][0];
    public ref long StateSaveFailures => ref _counts[MetricFamilies.StateSaveFailures.Index][0];
    public ref long StateResets => ref _counts[MetricFamilies.StateResets.Index][0];
    public ref long LabelSetsOverflow => ref _counts[MetricFamilies.LabelSetsOverflow.Index][0];
    public ref long LogsSkipped => ref _counts[MetricFamilies.LogsSkipped.Index][0];
    public ref long MessagesNotSyslog => ref _counts[MetricFamilies.MessagesNotSyslog.Index][0];
    public ref long MessagesDropped => ref _counts[MetricFamilies.MessagesDropped.Index][0];

    /// <summary>
    /// Parse errors by <see cref="ParseFailure"/> (index 0, none, is never counted; the family's values start at 1).
    /// </summary>
    public ref long ParseError(ParseFailure failure) => ref _counts[MetricFamilies.ParseErrors.Index][(int)failure - 1];

    /// <summary>The parse error counts, by reason, as the family lists them.</summary>
    public long[] ParseErrors => _counts[MetricFamilies.ParseErrors.Index];

    // Gauges: what is true now, not counted.
    public ref double LagBytes => ref Gauge(MetricFamilies.LagBytes);
    public ref double LastLineTimestampSeconds => ref Gauge(MetricFamilies.LastLineTimestamp);

    public long TotalRequests
    {
        get
        {
            long total = 0;
            foreach (long r in Requests.AsSpan(0, LabelSetCount))
            {
                total += r;
            }
            return total;
        }
    }

    public void CopyTo(MetricValues other)
    {
        other.LabelSetCount = LabelSetCount;
        foreach (var family in MetricFamilies.All)
        {
            switch (family.Shape)
            {
                case FamilyShape.PerLabelSet:
                    _counts[family.Index].AsSpan(0, LabelSetCount).CopyTo(other._counts[family.Index]);
                    break;
                case FamilyShape.Histogram:
                    _histograms[family.Index]!.CopyTo(other._histograms[family.Index]!);
                    break;
                case FamilyShape.Gauge:
                    other._gauges[family.Index] = _gauges[family.Index];
                    break;
                default:
                    _counts[family.Index].AsSpan().CopyTo(other._counts[family.Index]);
                    break;
            }
        }
    }

    public MetricValues Clone()
    {
        var copy = new MetricValues(Layout);
        CopyTo(copy);
        return copy;
    }
}
