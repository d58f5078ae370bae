using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.State;

public sealed class StateStoreTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-state");

    public void Dispose() => _folder.Dispose();

    private static readonly TailCheckpoint SampleCheckpoint = new(
        new TailPosition(new FileIdentity(2049, 123456789012, 0xFEDCBA9876543210, 1024), 98765),
        [new TailPosition(new FileIdentity(2049, 42, 7, 300), 300)], 5, 10);

    [Fact]
    public void Saved_counters_and_checkpoint_load_back_exactly()
    {
        // Given values with awkward doubles in histogram sums
        var options = new WatcherOptions { Routes = [new() { Name = "api", Pattern = "/api" }] };
        var (processor, metrics) = TestLines.Processor(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        processor.Feed(
            TestLines.Timed("GET", "/api/1", 200, 123, "0.1", "HIT"),
            TestLines.Timed("GET", "/api/1", 200, 5, "0.2"),
            TestLines.Timed("PUT", "/x", 503, 77, "1.337"),
            "garbage");
        processor.OnRotation(RotationKind.Truncated);
        processor.OnCheckpoint(SampleCheckpoint);
        var staged = metrics.Staged;
        using var store = new StateStore(_folder.Path);

        // When
        store.Save(StateMapping.ToState(staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
        var loaded = store.Load(out string? problem);
        var (_, fresh) = TestLines.Processor(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        var checkpoint = StateMapping.Restore(loaded!, fresh.Staged, []);

        // Then
        Assert.Null(problem);
        Assert.Equal(SampleCheckpoint.Current, checkpoint!.Current);
        Assert.Equal(SampleCheckpoint.Draining, checkpoint.Draining);
        // Gauges (lag, time of the last line) describe the running process and are not saved.
        fresh.Staged.LagBytes = staged.LagBytes;
        fresh.Staged.LastLineTimestampSeconds = staged.LastLineTimestampSeconds;
        Assert.Equal(Sidecars.Watcher.Metrics.Exposition.ToText(staged), Sidecars.Watcher.Metrics.Exposition.ToText(fresh.Staged));
        int series = fresh.Layout.HistogramSeriesOf(HttpMethods.Index("GET"u8), 0);
        Assert.Equal(0.1 + 0.2, fresh.Staged.RequestDuration.Sums[series]);
        Assert.Equal(BitConverter.DoubleToInt64Bits(staged.RequestDuration.Sums[series]), BitConverter.DoubleToInt64Bits(fresh.Staged.RequestDuration.Sums[series]));
    }

    [Fact]
    public async Task Save_replaces_the_file_by_rename_so_a_reader_never_sees_half_a_file()
    {
        var (processor, metrics) = TestLines.Processor();
        using var store = new StateStore(_folder.Path);
        using var stop = new CancellationTokenSource();
        int reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (File.Exists(store.Path))
                {
                    // Every complete read must parse: temp file + rename never exposes a partial write.
                    var state = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllBytes(store.Path), WatcherStateJsonContext.Default.WatcherStateFile);
                    Assert.NotNull(state);
                    Interlocked.Increment(ref reads);
                }
            }
        });
        // Save until the reader has really read the file many times while saves went on (a thread-pool
        // thread may start late on a loaded machine), at least 300 times, at most for 20 s.
        int saves = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((saves < 300 || Volatile.Read(ref reads) < 50) && DateTime.UtcNow < deadline)
        {
            processor.Feed(TestLines.MainLine(status: 100 + saves % 400, i: saves));
            store.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UtcNow));
            saves++;
        }
        stop.Cancel();
        await reader;
        Assert.True(reads >= 50, $"the reader read the file {reads} times during {saves} saves");
        Assert.False(File.Exists(store.Path + ".tmp"));
        Assert.Equal(saves, store.Load(out _)!.Counters.LabelSets.Sum(s => s.Requests));
    }

    [Theory]
    [InlineData("{\"Version\":1,\"Counters\":{\"LabelSets\":[{\"Meth")]
    [InlineData("not json")]
    [InlineData("{\"Version\":99}")]
    public void Corrupt_state_file_is_moved_aside_and_reported(string content)
    {
        using var store = new StateStore(_folder.Path);
        File.WriteAllText(store.Path, content);

        var state = store.Load(out string? problem);

        Assert.Null(state);
        Assert.NotNull(problem);
        Assert.False(File.Exists(store.Path));
        Assert.Equal(content, File.ReadAllText(store.Path + ".corrupt"));
    }

    [Fact]
    public void Processor_counts_a_corrupt_state_file_and_starts_from_zero()
    {
        using var store = new StateStore(_folder.Path);
        File.WriteAllText(store.Path, "{{{");
        var (processor, metrics) = TestLines.Processor(store: store);

        Assert.Null(processor.Restore());
        Assert.Equal(1, metrics.Snapshot().StateResets);
        Assert.Equal(0, metrics.Snapshot().TotalRequests);
    }

    [Fact]
    public void Missing_state_file_is_no_problem()
    {
        using var store = new StateStore(_folder.Path);
        Assert.Null(store.Load(out string? problem));
        Assert.Null(problem);
    }
}
