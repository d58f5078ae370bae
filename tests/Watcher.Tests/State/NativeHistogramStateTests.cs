using System.Globalization;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.State;

public sealed class NativeHistogramStateTests : IDisposable
{
    private readonly Sidecars.Testing.TempFolder _folder = new("native-state");

    public void Dispose() => _folder.Dispose();

    private static readonly LogFormat Format = LogFormat.Compile(TestLines.TimedFormat);

    [Theory]
    [InlineData(1.1, 1.1)]    // the same setting: restored exactly
    [InlineData(1.1, 1.0001)] // a finer setting: the saved series keeps its coarser schema
    [InlineData(1.0001, 1.1)] // a coarser setting: the saved series is halved down to it
    public void Saved_native_histograms_load_back_with_every_observation(double savedWith, double restoredWith)
    {
        // Given native histograms counted and saved
        var (counter, metrics) = Counted(savedWith, 500);
        var saved = metrics.Staged.RequestDuration.Native![0]!;

        // When they are restored
        var fresh = Restore(metrics, restoredWith);

        // Then the series holds the same observations at the coarser of the two schemas
        var native = fresh.RequestDuration.Native![0]!;
        int schema = Math.Min(saved.Schema, NativeSchema.ForBucketFactor(restoredWith));
        Assert.Equal(schema, native.Schema);
        Assert.Equal(AtSchema(saved, schema), AtSchema(native, schema));
        Assert.Equal(fresh.RequestDuration.Count(0), native.Counts.ToArray().Sum() + native.ZeroCount);
        GC.KeepAlive(counter);
    }

    [Fact]
    public void Histograms_saved_while_native_ones_were_off_seed_them_from_the_classic_buckets()
    {
        var (_, metrics) = Counted(nativeHistograms: 0, 500);

        var fresh = Restore(metrics, 1.1);

        var native = fresh.RequestDuration.Native![0]!;
        Assert.Equal(500, native.Counts.ToArray().Sum() + native.ZeroCount);
        Assert.Equal(500, fresh.RequestDuration.Count(0));
        // Each at its classic bucket's upper bound: the 0.1 s bucket's observations are in the native bucket of 0.1.
        long classic = fresh.RequestDuration.Buckets[Array.IndexOf(fresh.RequestDuration.Bounds, 0.1)];
        Assert.Equal(classic, native.Counts[NativeSchema.Index(0.1, 3) - native.Offset]);
    }

    private static (LineCounter Counter, WatcherMetrics Metrics) Counted(double nativeHistograms, int lines)
    {
        var (counter, metrics) = TestLines.Counter(Format, new WatcherOptions { NativeHistograms = nativeHistograms });
        var random = new Random(9);
        for (int i = 0; i < lines; i++)
        {
            double seconds = 0.08 * Math.Exp((random.NextDouble() * 6) - 3);
            counter.Feed(TestLines.Timed("GET", "/", 200, 10, seconds.ToString("0.000", CultureInfo.InvariantCulture)));
        }
        counter.OnCheckpoint(Checkpoints.NoLog());
        return (counter, metrics);
    }

    private MetricValues Restore(WatcherMetrics metrics, double nativeHistograms)
    {
        using var store = new StateStore(_folder.Path);
        store.Save(StateMapping.ToState(metrics.Staged, Checkpoints.NoLog(), DateTimeOffset.UnixEpoch));
        var loaded = store.Load(out string? problem);
        Assert.Null(problem);
        var (_, fresh) = TestLines.Counter(Format, new WatcherOptions { NativeHistograms = nativeHistograms });
        StateMapping.Restore(loaded!, fresh.Staged, []);
        return fresh.Staged;
    }

    /// <summary>Bucket index to count at <paramref name="schema"/> (at or below the series' own).</summary>
    private static SortedDictionary<int, long> AtSchema(NativeHistogram native, int schema)
    {
        var buckets = new SortedDictionary<int, long>();
        for (int i = 0; i < native.Length; i++)
        {
            int index = native.Offset + i;
            for (int s = native.Schema; s > schema; s--)
            {
                index = NativeSchema.Halved(index);
            }
            if (native.Counts[i] > 0)
            {
                buckets[index] = buckets.GetValueOrDefault(index) + native.Counts[i];
            }
        }
        buckets[int.MinValue] = native.ZeroCount;
        return buckets;
    }
}
