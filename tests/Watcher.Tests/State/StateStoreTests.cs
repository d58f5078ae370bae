using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;
using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.State;

public sealed class StateStoreTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-state");

    public void Dispose() => _folder.Dispose();

    private static readonly TailCheckpoint SampleCheckpoint = Checkpoints.OneLog(
        new TailPosition(new FileIdentity(new FileId(2049, 123456789012), 0xFEDCBA9876543210, 1024), 98765),
        [new TailPosition(new FileIdentity(new FileId(2049, 42), 7, 300), 300)], 5, 10);

    [Fact]
    public void Saved_counters_and_checkpoint_load_back_exactly()
    {
        // Given values with awkward doubles in histogram sums
        var options = new WatcherOptions { Routes = [new() { Name = "api", Pattern = "/api" }] };
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        counter.Feed(
            TestLines.Timed("GET", "/api/1", 200, 123, "0.1", "HIT"),
            TestLines.Timed("GET", "/api/1", 200, 5, "0.2"),
            TestLines.Timed("PUT", "/x", 503, 77, "1.337"),
            "garbage");
        counter.OnRotation(RotationKind.Truncated);
        counter.OnCheckpoint(SampleCheckpoint);
        var staged = metrics.Staged;
        using var store = new StateStore(_folder.Path);

        // When
        store.Save(StateMapping.ToState(staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
        var loaded = store.Load(out string? problem);
        var (_, fresh) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        var checkpoint = StateMapping.Restore(loaded!, fresh.Staged, []);

        // Then
        Assert.Null(problem);
        Assert.Equal(SampleCheckpoint.OnlyLog().Path, checkpoint!.OnlyLog().Path);
        Assert.Equal(SampleCheckpoint.OnlyLog().Current, checkpoint!.OnlyLog().Current);
        Assert.Equal(SampleCheckpoint.OnlyLog().Draining, checkpoint!.OnlyLog().Draining);
        // Gauges (lag, time of the last line) describe the running process and are not saved.
        fresh.Staged.LagBytes = staged.LagBytes;
        fresh.Staged.LastLineTimestampSeconds = staged.LastLineTimestampSeconds;
        Assert.Equal(Sidecars.Watcher.Metrics.Exposition.ToText(staged), Sidecars.Watcher.Metrics.Exposition.ToText(fresh.Staged));
        int series = fresh.Layout.SeriesOf(0); // the first label set: GET /api/1 200
        Assert.Equal(0.1 + 0.2, fresh.Staged.RequestDuration.Sums[series]);
        Assert.Equal(BitConverter.DoubleToInt64Bits(staged.RequestDuration.Sums[series]), BitConverter.DoubleToInt64Bits(fresh.Staged.RequestDuration.Sums[series]));
    }

    [Fact]
    public async Task A_reader_always_finds_a_complete_state_while_saves_go_on_in_place()
    {
        // Given a reader polling the folder on its own thread while saves go on
        var (counter, metrics) = TestLines.Counter();
        using var store = new StateStore(_folder.Path);
        using var stop = new CancellationTokenSource();
        int reads = 0, missing = 0, started = 0, completed = 0, overtaken = 0;
        long older = 0;
        var reader = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // What the store promises a reader (production has none while it saves: only a starting watcher
                // reads, after the last one stopped): a save writes only the slot that does not hold the newest
                // complete state. So while at most one save is under way, the slot of the last save completed
                // stays whole, and a read finds that state or a newer one. The read is checked when no more than
                // one save overlapped it: none had started beyond the one after the last completed before it
                // began. A read that two saves overlapped (a reader preempted between the two slots) may find
                // both slots rewritten: nothing is promised then, and it is not counted. This is exact, not timed.
                int completedBefore = Volatile.Read(ref completed);
                byte[]?[] slots = SavedState.ReadSlots(_folder.Path);
                Interlocked.MemoryBarrier();
                int startedAfter = Volatile.Read(ref started);
                if (startedAfter - completedBefore > 1)
                {
                    overtaken++;
                    continue;
                }
                Interlocked.Increment(ref reads);
                var state = SavedState.Load(slots);
                if (state is null)
                {
                    if (completedBefore > 0)
                    {
                        missing++; // nothing to read after something was saved
                    }
                    continue;
                }
                if (TestLines.Requests(state) < completedBefore)
                {
                    older++; // each save holds one request more: save k holds k
                }
            }
        }, TaskCreationOptions.LongRunning);

        // When the store saves growing values many times (at least 300, and until the reader really read)
        int saves = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((saves < 300 || Volatile.Read(ref reads) < 50) && DateTime.UtcNow < deadline)
        {
            counter.Feed(TestLines.MainLine(status: 100 + saves % 400, i: saves));
            var state = StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UtcNow);
            Interlocked.Increment(ref started);
            store.Save(state);
            Interlocked.Increment(ref completed);
            saves++;
        }
        stop.Cancel();
        await reader;

        // Then every read that at most one save overlapped found a complete state, never older than the last save
        // completed before the read began, and the folder holds the two slots only: no temporary files, no renames
        Assert.True(reads >= 50, $"the reader read {reads} times during {saves} saves ({overtaken} reads overlapped by two saves)");
        Assert.Equal(0, older);
        Assert.Equal(0, missing);
        Assert.Equal(saves, TestLines.Requests(store.Load(out _)));
        Assert.Equal(StateStore.SlotFileNames.Order(), Directory.GetFiles(_folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Saves_alternate_between_the_two_slots_in_place()
    {
        var (counter, metrics) = TestLines.Counter();
        using var store = new StateStore(_folder.Path);
        store.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
        store.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
        ulong[] inodes = [.. store.SlotPaths.Select(p => Sidecars.Watcher.Tailing.FileStatus.OfPath(p)!.Value.Inode)];

        counter.Feed(TestLines.MainLine());
        store.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
        store.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));

        Assert.Equal(inodes, store.SlotPaths.Select(p => Sidecars.Watcher.Tailing.FileStatus.OfPath(p)!.Value.Inode));
        Assert.Equal([3L, 4L], store.SlotPaths.Select(p => SequenceOf(File.ReadAllText(p))).Order());
    }

    [Fact]
    public void A_slot_torn_by_a_crash_mid_write_is_ignored_and_the_other_slot_used()
    {
        // Given two saves, the second (newer) with one more request
        var (counter, metrics) = TestLines.Counter();
        using (var store = new StateStore(_folder.Path))
        {
            counter.Feed(TestLines.MainLine());
            store.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
            counter.Feed(TestLines.MainLine());
            store.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
        }
        // When the newer slot is torn in its middle, as a crash during its write leaves it
        string newer = Path.Combine(_folder.Path, StateStore.SlotFileNames[1]);
        byte[] bytes = File.ReadAllBytes(newer);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(newer, bytes);

        // Then the older slot is loaded, nothing is reported or moved, and the next save overwrites the torn slot
        using var again = new StateStore(_folder.Path);
        var state = again.Load(out string? problem);
        Assert.Null(problem);
        Assert.Equal(1, TestLines.Requests(state!));
        again.Save(StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));
        Assert.Equal(2, SequenceOf(File.ReadAllText(newer)));
        Assert.Equal(2, TestLines.Requests(SavedState.LoadCopy(_folder.Path)));
    }

    [Fact]
    public void A_shorter_save_after_a_longer_one_leaves_exactly_one_JSON_object_in_the_slot()
    {
        var (counter, metrics) = TestLines.Counter();
        using var store = new StateStore(_folder.Path);
        for (int status = 200; status < 260; status++)
        {
            counter.Feed(TestLines.MainLine(status: status));
        }
        var longer = StateMapping.ToState(metrics.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch);
        store.Save(longer);
        store.Save(longer);
        var (_, empty) = TestLines.Counter();
        store.Save(StateMapping.ToState(empty.Staged, SampleCheckpoint, DateTimeOffset.UnixEpoch));

        string slot = File.ReadAllText(store.SlotPaths[0]);
        using var document = System.Text.Json.JsonDocument.Parse(slot); // throws on anything after the object but blanks
        Assert.Empty(document.RootElement.GetProperty("State").GetProperty("LabelSets").EnumerateArray());
    }

    private static long SequenceOf(string slot)
    {
        using var document = System.Text.Json.JsonDocument.Parse(slot);
        return document.RootElement.GetProperty("Sequence").GetInt64();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"Sequence\":1,\"Checksum\":\"0000000000000000\",\"State\":{\"Version\":1}}")]
    [InlineData("{\"Sequence\":1}")]
    public void Slots_that_hold_no_valid_state_are_moved_aside_and_reported(string content)
    {
        using var store = new StateStore(_folder.Path);
        File.WriteAllText(store.SlotPaths[0], content);
        File.WriteAllText(store.SlotPaths[1], content);

        var state = store.Load(out string? problem);

        Assert.Null(state);
        Assert.NotNull(problem);
        Assert.All(store.SlotPaths, p => Assert.False(File.Exists(p)));
        Assert.All(store.SlotPaths, p => Assert.Equal(content, File.ReadAllText(p + ".corrupt")));
    }

    [Theory]
    [InlineData("{\"Version\":2,\"Logs\":[]}")]
    [InlineData("{\"Logs\":[]}")]
    [InlineData("null")]
    public void A_whole_slot_of_another_version_or_none_is_moved_aside_and_reported(string state)
    {
        SavedState.WriteSlot(_folder.Path, state);
        using var store = new StateStore(_folder.Path);

        Assert.Null(store.Load(out string? problem));

        Assert.Contains(state == "null" ? "holds null" : "unknown version", problem, StringComparison.Ordinal);
        Assert.False(File.Exists(store.SlotPaths[0]));
        Assert.True(File.Exists(store.SlotPaths[0] + ".corrupt"));
    }

    [Fact]
    public void Line_counter_counts_a_corrupt_state_file_and_starts_from_zero()
    {
        using var store = new StateStore(_folder.Path);
        File.WriteAllText(store.SlotPaths[0], "{{{");
        var (counter, metrics) = TestLines.Counter(store: store);

        Assert.Null(counter.Restore());
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
