using Sidecars.Testing;
using Sidecars.Watcher;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>The counters are allocated at start for every label set the cap allows: settings whose counters cannot fit stop the watcher with one line.</summary>
public sealed class CountersMemoryTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-counters-memory");

    public void Dispose() => _folder.Dispose();

    private WatcherOptions Options(int maxLabelSets, int durationBuckets) => new()
    {
        Path = _folder.File("access.log"),
        MaxLabelSets = maxLabelSets,
        DurationBuckets = [.. Enumerable.Range(1, durationBuckets).Select(i => i * 0.01)],
    };

    [Fact]
    public void Many_buckets_for_many_label_sets_stop_the_watcher_at_start_with_one_line()
    {
        // Given 200 duration buckets for 10,000 label sets: five copies of 820 numbers for each set, 313 MiB
        // (the published watcher ended in an OutOfMemoryException at start in 128 MiB, exit 134)
        var options = Options(10_000, 200);

        // When they are checked, then one line names the settings, the memory and how far to lower the cap
        var failure = Assert.Single(WatcherOptionsValidator.Check(options, checkStateDirectory: false));
        Assert.Equal(
            "Watcher:MaxLabelSets=10000 with 200 Watcher:DurationBuckets and 6 Watcher:SizeBuckets needs up to 312.8 MiB for the counters (five copies of every bucket of every label set), more than the 32 MiB the watcher has for them; lower Watcher:MaxLabelSets to 1022 or less, or use fewer buckets",
            failure);

        // And with the cap it names the settings start
        options.MaxLabelSets = 1022;
        Assert.Empty(WatcherOptionsValidator.Check(options, checkStateDirectory: false));
    }

    [Theory]
    [InlineData(10_000, 11)] // the largest cap with the default buckets
    [InlineData(5_000, 30)]
    public void The_default_buckets_and_a_moderate_number_of_them_pass_at_large_caps(int maxLabelSets, int durationBuckets) =>
        Assert.Empty(WatcherOptionsValidator.Check(Options(maxLabelSets, durationBuckets), checkStateDirectory: false));
}
