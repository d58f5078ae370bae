using System.Buffers;
using Io.Prometheus.Client;
using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Metrics;

public sealed class NativeHistogramTests
{
    [Theory]
    [InlineData(1.1, 3)]
    [InlineData(2, 0)]
    [InlineData(4, -1)]
    [InlineData(1.01, 7)]
    [InlineData(1.0001, 8)]
    [InlineData(1e300, -4)]
    public void A_bucket_factor_picks_the_schema_client_golang_picks(double factor, int schema) =>
        Assert.Equal(schema, NativeSchema.ForBucketFactor(factor));

    [Theory]
    [InlineData(1.0, 3, 0)]
    [InlineData(2.0, 3, 8)]
    [InlineData(0.5, 3, -8)]
    [InlineData(1.0, 0, 0)]
    [InlineData(3.0, 0, 2)]
    [InlineData(4.0, -1, 1)]
    [InlineData(5.0, -1, 2)]
    public void Powers_of_two_are_the_upper_bounds_of_their_buckets(double value, int schema, int index) =>
        Assert.Equal(index, NativeSchema.Index(value, schema));

    [Fact]
    public void Every_observation_falls_in_the_bucket_whose_bounds_hold_it_at_every_schema()
    {
        var random = new Random(22);
        for (int schema = NativeSchema.Min; schema <= NativeSchema.Max; schema++)
        {
            for (int i = 0; i < 2000; i++)
            {
                double value = Math.Exp((random.NextDouble() * 40) - 20);
                int index = NativeSchema.Index(value, schema);
                double upper = NativeSchema.UpperBound(index, schema);
                double lower = NativeSchema.UpperBound(index - 1, schema);
                Assert.True(value > lower * (1 - 1e-12) && value <= upper * (1 + 1e-12), $"schema {schema}: {value} in ({lower}, {upper}]");
            }
        }
    }

    [Fact]
    public void Below_the_cap_the_resolution_stays_and_every_bucket_is_counted()
    {
        var native = new NativeHistogram(schema: 3, maxBuckets: 160);
        var values = LogNormal(10_000, seed: 1);
        int reductions = values.Sum(native.Observe);
        native.Observe(0);

        Assert.Equal(0, reductions);
        Assert.Equal(3, native.Schema);
        Assert.True(native.Length <= 160, $"{native.Length} buckets");
        Assert.Equal(1, native.ZeroCount);
        Assert.Equal(10_000, native.Counts.ToArray().Sum());
        foreach (double value in values.Take(100))
        {
            Assert.True(native.Counts[NativeSchema.Index(value, 3) - native.Offset] > 0);
        }
    }

    [Fact]
    public void Past_the_cap_the_resolution_is_halved_the_buckets_merged_and_nothing_lost()
    {
        var native = new NativeHistogram(schema: 8, maxBuckets: 160);
        var exact = new List<double>();
        int reductions = 0;
        // From a microsecond to 1000 s: 30 powers of two, 7,680 buckets at schema 8.
        for (double value = 1e-6; value < 1000; value *= 1.01)
        {
            reductions += native.Observe(value);
            exact.Add(value);
        }

        Assert.True(native.Length <= 160, $"{native.Length} buckets");
        Assert.Equal(8 - reductions, native.Schema);
        Assert.Equal(2, native.Schema); // 30 powers of two fit 160 buckets at schema 2 (120), not at schema 3 (240)
        Assert.Equal(exact.Count, native.Counts.ToArray().Sum());
        // Every value is still counted in the bucket that holds it at the final schema.
        var expected = new long[native.Length];
        foreach (double value in exact)
        {
            expected[NativeSchema.Index(value, native.Schema) - native.Offset]++;
        }
        Assert.Equal(expected, native.Counts.ToArray());
    }

    [Fact]
    public void The_p50_p95_p99_of_100000_log_normal_durations_are_within_5_percent_of_the_exact_quantiles()
    {
        var values = LogNormal(100_000, seed: 7);
        var native = new NativeHistogram(NativeSchema.ForBucketFactor(1.1), maxBuckets: 160);
        foreach (double value in values)
        {
            native.Observe(value);
        }
        Array.Sort(values);

        foreach (double q in new[] { 0.5, 0.95, 0.99 })
        {
            double exact = values[(int)Math.Ceiling(q * values.Length) - 1];
            double estimate = Quantile(native, q);
            Assert.True(Math.Abs(estimate - exact) / exact <= 0.05, $"p{q * 100}: {estimate} against {exact}");
        }
    }

    [Fact]
    public void The_protobuf_rendering_carries_the_native_buckets_beside_the_classic_ones_and_the_text_is_unchanged()
    {
        var format = LogFormat.Compile(TestLines.TimedFormat);
        var lines = LogNormal(2000, seed: 3).Select((t, i) => TestLines.Timed("GET", "/", 200, i * 10, t.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var (off, offMetrics) = TestLines.Counter(format);
        var (on, onMetrics) = TestLines.Counter(format, new WatcherOptions { NativeHistograms = 1.1 });
        off.Feed(lines);
        on.Feed(lines);
        off.OnCheckpoint(Checkpoints.NoLog());
        on.OnCheckpoint(Checkpoints.NoLog());
        offMetrics.Restored = onMetrics.Restored = true;

        var families = Protobuf(onMetrics);
        var duration = families.Single(f => f.Name == "nginx_http_request_duration_seconds").Metric.Single().Histogram;
        var native = onMetrics.Snapshot().RequestDuration.Native![0]!;

        Assert.Equal(3, duration.Schema);
        Assert.Equal(Math.ScaleB(1, -128), duration.ZeroThreshold);
        Assert.Equal((ulong)native.ZeroCount, duration.ZeroCount);
        Assert.Equal(11, duration.Bucket.Count); // the classic buckets stay
        Assert.Equal(Expand(duration), Enumerable.Range(0, native.Length).Where(i => native.Counts[i] > 0).ToDictionary(i => native.Offset + i, i => native.Counts[i]));
        Assert.Equal((long)duration.SampleCount, Expand(duration).Values.Sum() + (long)duration.ZeroCount);
        // Text: the same bytes as without native histograms, but for the reductions counter.
        string textOn = Sidecars.Watcher.Metrics.Exposition.ToText(onMetrics.Snapshot());
        Assert.Equal(Sidecars.Watcher.Metrics.Exposition.ToText(offMetrics.Snapshot()), string.Join('\n', textOn.Split('\n').Where(l => !l.Contains("native_histogram", StringComparison.Ordinal))));
        Assert.Contains("watcher_native_histogram_resolution_reductions_total 0\n", textOn, StringComparison.Ordinal);
        Assert.DoesNotContain(Protobuf(offMetrics).Single(f => f.Name == "nginx_http_request_duration_seconds").Metric, m => m.Histogram.Schema != 0 || m.Histogram.PositiveSpan.Count > 0);
        Assert.DoesNotContain(Protobuf(offMetrics), f => f.Name.Contains("native_histogram", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolution_reductions_are_counted_in_their_metric()
    {
        var format = LogFormat.Compile(TestLines.TimedFormat);
        var (counter, metrics) = TestLines.Counter(format, new WatcherOptions { NativeHistograms = 1.0001 });
        counter.Feed(TestLines.Timed("GET", "/", 200, 1, "0.001"), TestLines.Timed("GET", "/", 200, 1, "100.000"));
        counter.OnCheckpoint(Checkpoints.NoLog());

        var snapshot = metrics.Snapshot();
        // 0.001 s to 100 s: 17 powers of two, 4,352 buckets at schema 8; 136 at schema 3.
        Assert.Equal(3, snapshot.RequestDuration.Native![0]!.Schema);
        Assert.Equal(5, snapshot.Counts(MetricFamilies.NativeResolutionReductions)[0]);
    }

    /// <summary>As Prometheus estimates a quantile of a native histogram: the bucket of the rank, interpolated exponentially in it.</summary>
    private static double Quantile(NativeHistogram native, double q)
    {
        long total = native.ZeroCount + native.Counts.ToArray().Sum();
        double rank = q * total;
        double seen = native.ZeroCount;
        for (int i = 0; i < native.Length; i++)
        {
            long count = native.Counts[i];
            if (count > 0 && seen + count >= rank)
            {
                double lower = NativeSchema.UpperBound(native.Offset + i - 1, native.Schema);
                double upper = NativeSchema.UpperBound(native.Offset + i, native.Schema);
                double fraction = (rank - seen) / count;
                return Math.Pow(2, Math.Log2(lower) + ((Math.Log2(upper) - Math.Log2(lower)) * fraction));
            }
            seen += count;
        }
        throw new InvalidOperationException("rank past the buckets");
    }

    /// <summary>The positive buckets of a protobuf histogram, from its spans and deltas.</summary>
    private static Dictionary<int, long> Expand(Histogram histogram)
    {
        var buckets = new Dictionary<int, long>();
        int index = 0;
        int delta = 0;
        long count = 0;
        foreach (var span in histogram.PositiveSpan)
        {
            index += span.Offset;
            for (int i = 0; i < span.Length; i++)
            {
                count += histogram.PositiveDelta[delta++];
                if (count > 0)
                {
                    buckets[index] = count;
                }
                index++;
            }
        }
        Assert.Equal(histogram.PositiveDelta.Count, delta);
        return buckets;
    }

    private static List<Io.Prometheus.Client.MetricFamily> Protobuf(WatcherMetrics metrics)
    {
        var output = new ArrayBufferWriter<byte>();
        metrics.WriteProtobufTo(output);
        return ProtobufSamples.Decode(output.WrittenSpan.ToArray());
    }

    /// <summary>Request times drawn from a log-normal distribution with an 80 ms median (σ = 1).</summary>
    private static double[] LogNormal(int n, int seed)
    {
        var random = new Random(seed);
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - random.NextDouble();
            double u2 = random.NextDouble();
            double normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            values[i] = 0.08 * Math.Exp(normal);
        }
        return values;
    }
}
