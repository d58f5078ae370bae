using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

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
    }

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
/// One complete copy of every value the watcher exports. The processor updates a staged copy per
/// line; the exposition reads a published copy; <see cref="CopyTo"/> moves values between them.
/// </summary>
internal sealed class MetricValues
{
    public static readonly int ParseFailureCount = Enum.GetValues<ParseFailure>().Length;
    public static readonly int RotationKindCount = Enum.GetValues<RotationKind>().Length;
    public static readonly int ReadErrorCount = Enum.GetValues<ReadError>().Length;

    public MetricValues(MetricsLayout layout)
    {
        Layout = layout;
        int sets = layout.Capacity;
        Requests = new long[sets];
        BodyBytes = new long[sets];
        BytesSent = new long[sets];
        RequestBytes = new long[sets];
        int series = layout.HistogramSeries;
        RequestDuration = new HistogramValues(layout.DurationBuckets, series);
        UpstreamResponseDuration = new HistogramValues(layout.DurationBuckets, series);
        UpstreamConnectDuration = new HistogramValues(layout.DurationBuckets, series);
        UpstreamHeaderDuration = new HistogramValues(layout.DurationBuckets, series);
        ResponseSize = new HistogramValues(layout.SizeBuckets, series);
    }

    public MetricsLayout Layout { get; }

    /// <summary>How many label sets of the layout these values cover.</summary>
    public int LabelSetCount;

    public readonly long[] Requests;
    public readonly long[] BodyBytes;
    public readonly long[] BytesSent;
    public readonly long[] RequestBytes;

    public readonly HistogramValues RequestDuration;
    public readonly HistogramValues UpstreamResponseDuration;
    public readonly HistogramValues UpstreamConnectDuration;
    public readonly HistogramValues UpstreamHeaderDuration;
    public readonly HistogramValues ResponseSize;

    public readonly long[] CacheStatus = new long[CacheStatuses.Names.Length];

    public long LinesParsed;
    public long LinesMalformed;
    public long LinesTooLong;
    public readonly long[] ParseErrors = new long[ParseFailureCount];
    public long BytesRead;
    public readonly long[] Rotations = new long[RotationKindCount];
    public readonly long[] ReadErrors = new long[ReadErrorCount];
    public long FilesLost;
    public long StateSaves;
    public long StateSaveFailures;
    public long StateResets;
    public long LabelSetsOverflow;

    // Gauges: what is true now, not counted.
    public long LagBytes;
    public double LastLineTimestampSeconds;

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
        Requests.AsSpan(0, LabelSetCount).CopyTo(other.Requests);
        BodyBytes.AsSpan(0, LabelSetCount).CopyTo(other.BodyBytes);
        BytesSent.AsSpan(0, LabelSetCount).CopyTo(other.BytesSent);
        RequestBytes.AsSpan(0, LabelSetCount).CopyTo(other.RequestBytes);
        RequestDuration.CopyTo(other.RequestDuration);
        UpstreamResponseDuration.CopyTo(other.UpstreamResponseDuration);
        UpstreamConnectDuration.CopyTo(other.UpstreamConnectDuration);
        UpstreamHeaderDuration.CopyTo(other.UpstreamHeaderDuration);
        ResponseSize.CopyTo(other.ResponseSize);
        CacheStatus.AsSpan().CopyTo(other.CacheStatus);
        other.LinesParsed = LinesParsed;
        other.LinesMalformed = LinesMalformed;
        other.LinesTooLong = LinesTooLong;
        ParseErrors.AsSpan().CopyTo(other.ParseErrors);
        other.BytesRead = BytesRead;
        Rotations.AsSpan().CopyTo(other.Rotations);
        ReadErrors.AsSpan().CopyTo(other.ReadErrors);
        other.FilesLost = FilesLost;
        other.StateSaves = StateSaves;
        other.StateSaveFailures = StateSaveFailures;
        other.StateResets = StateResets;
        other.LabelSetsOverflow = LabelSetsOverflow;
        other.LagBytes = LagBytes;
        other.LastLineTimestampSeconds = LastLineTimestampSeconds;
    }

    public MetricValues Clone()
    {
        var copy = new MetricValues(Layout);
        CopyTo(copy);
        return copy;
    }
}
