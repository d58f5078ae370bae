using System.Text.Json.Nodes;
using Sidecars.Hosting;
using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Exposition = Sidecars.Watcher.Metrics.Exposition;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.State;

/// <summary>A state that parses but holds impossible values is treated like a damaged one; restarts change no counter.</summary>
public sealed class StateValidationTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-state-validation");

    public void Dispose() => _folder.Dispose();

    private static readonly TailCheckpoint Checkpoint = Checkpoints.OneLog(
        new TailPosition(new FileIdentity(new FileId(2049, 1234), 0xFEDCBA9876543210, 1024), 5000), [new TailPosition(new FileIdentity(new FileId(2049, 42), 7, 300), 300)], 0, 0);

    /// <summary>A valid saved state as JSON, to be damaged by a test: three requests, one malformed line.</summary>
    private static JsonNode ValidState()
    {
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat));
        counter.Feed(
            TestLines.Timed("GET", "/", 200, 100, "0.1", "HIT"),
            TestLines.Timed("GET", "/", 200, 100, "0.2"),
            TestLines.Timed("POST", "/x", 503, 7, "1.5"),
            "garbage");
        var state = StateMapping.ToState(metrics.Staged, Checkpoint, DateTimeOffset.UnixEpoch);
        return JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(state, WatcherStateJsonContext.Default.WatcherStateFile))!;
    }

    private const string Requests = "nginx_http_requests_total";
    private const string Durations = "nginx_http_request_duration_seconds";

    public static TheoryData<string, Action<JsonNode>> Damages => new()
    {
        { "a log without its path", s => s["Logs"]![0]!.AsObject().Remove("Path") },
        { "negative offset", s => s["Logs"]![0]!["Current"]!["Offset"] = -5 },
        { "fingerprint longer than the file head", s => s["Logs"]![0]!["Current"]!["FingerprintLength"] = 5000 },
        { "negative fingerprint length", s => s["Logs"]![0]!["Draining"]![0]!["FingerprintLength"] = -1 },
        { "the same file current and draining", s => s["Logs"]![0]!["Draining"]![0]!["Inode"] = 1234 },
        { "the same log twice", s => s["Logs"]!.AsArray().Add(s["Logs"]![0]!.DeepClone()) },
        { "negative counter", s => s["Counters"]!["watcher_lines_total"]!["malformed"] = -100 },
        { "counter at long.MaxValue", s => s["Totals"]!["watcher_bytes_read_total"] = long.MaxValue },
        { "negative request count", s => s["LabelSets"]![0]!["Values"]![Requests] = -1 },
        { "bytes beyond the counter range", s => s["LabelSets"]![0]!["Values"]!["nginx_http_response_body_bytes_total"] = long.MaxValue },
        { "negative bucket", s => s["Histograms"]![Durations]!["Series"]![0]!["Buckets"]![0] = -3 },
        { "a bucket missing", s => s["Histograms"]![Durations]!["Series"]![0]!["Buckets"]!.AsArray().RemoveAt(0) },
        { "a negative sum", s => s["Histograms"]![Durations]!["Series"]![0]!["Sum"] = -1.0 },
        { "a native histogram schema of 9", s => Native(s, schema: 9, offset: 0, counts: [], zeroExtra: 0) },
        { "native buckets that do not add up to the classic ones", s => Native(s, schema: 3, offset: 0, counts: [1], zeroExtra: 0) },
        { "more than 160 native buckets", s => Native(s, schema: 3, offset: 0, counts: new long[161], zeroExtra: 0) },
        { "a native bucket past the finite values", s => Native(s, schema: 3, offset: 100_000, counts: [0], zeroExtra: 0) },
        { "a negative native count", s => Native(s, schema: 3, offset: 0, counts: [-1], zeroExtra: 1) },
        { "duplicated label set", s => s["LabelSets"]!.AsArray().Add(s["LabelSets"]![0]!.DeepClone()) },
        { "duplicated histogram series", s => s["Histograms"]![Durations]!["Series"]!.AsArray().Add(s["Histograms"]![Durations]!["Series"]![0]!.DeepClone()) },
        { "requests that do not add up to the parsed lines", s => s["Counters"]!["watcher_lines_total"]!["parsed"] = 2 },
        { "unknown method label", s => s["LabelSets"]![0]!["Labels"]!["method"] = "get" },
        { "status out of range", s => s["LabelSets"]![0]!["Labels"]!["status"] = "700" },
        { "status missing", s => s["LabelSets"]![0]!["Labels"]!.AsObject().Remove("status") },
        { "a label name Prometheus refuses", s => s["LabelSets"]![0]!["Labels"]!["bad-name"] = "x" },
        { "a label value longer than 256 bytes", s => s["LabelSets"]![0]!["Labels"]!["route"] = new string('r', 300) },
        { "parse errors that do not add up", s => s["Counters"]!["watcher_parse_errors_total"]!["truncated"] = 5 },
        { "unknown rotation kind", s => s["Counters"]!["watcher_rotations_total"] = new JsonObject { ["sideways"] = 1 } },
        { "unknown family", s => s["Totals"]!["watcher_imaginary_total"] = 1 },
        { "a histogram family that is a counter", s => s["Histograms"]![Requests] = s["Histograms"]![Durations]!.DeepClone() },
        { "null list", s => s["LabelSets"] = null },
        { "too many draining files", s => s["Logs"]![0]!["Draining"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)new JsonObject { ["Inode"] = 10 + i, ["Offset"] = 0 })]) },
    };

    /// <summary>Gives the first duration series a native histogram: the counts, and its classic total (plus <paramref name="zeroExtra"/>) in the zero bucket.</summary>
    private static void Native(JsonNode state, int schema, int offset, long[] counts, long zeroExtra)
    {
        var series = state["Histograms"]![Durations]!["Series"]![0]!;
        long classic = series["Buckets"]!.AsArray().Sum(b => b!.GetValue<long>());
        series["Native"] = new JsonObject
        {
            ["Schema"] = schema,
            ["Offset"] = offset,
            ["Counts"] = new JsonArray([.. counts.Select(c => (JsonNode)c)]),
            ["ZeroCount"] = classic + zeroExtra,
        };
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void An_invalid_state_is_moved_aside_counted_as_a_reset_and_counting_starts_from_zero(string damage, Action<JsonNode> damageIt)
    {
        // Given a state file that is valid JSON but holds an impossible value
        var state = ValidState();
        damageIt(state);
        SavedState.WriteSlot(_folder.Path, state.ToJsonString());
        using var store = new StateStore(_folder.Path);
        var (counter, metrics) = TestLines.Counter(store: store);

        // When it is restored
        var resume = counter.Restore();

        // Then nothing of it is used: no checkpoint, no counter, one reset, and the file is out of the way
        Assert.Null(resume);
        var v = metrics.Snapshot();
        Assert.Equal(1, v.StateResets);
        Assert.Equal(0, v.TotalRequests);
        Assert.Equal(0, v.LinesMalformed);
        Assert.False(File.Exists(store.SlotPaths[0]), damage);
        Assert.True(File.Exists(store.SlotPaths[0] + ".corrupt"), damage);
    }

    [Fact]
    public void The_undamaged_state_of_these_tests_is_valid_and_restores()
    {
        SavedState.WriteSlot(_folder.Path, ValidState().ToJsonString());
        using var store = new StateStore(_folder.Path);
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat), store: store);

        Assert.Equal(5000, counter.Restore()!.OnlyLog().Current!.Value.Offset);
        Assert.Equal(3, metrics.Snapshot().TotalRequests);
        Assert.Equal(0, metrics.Snapshot().StateResets);
    }

    [Fact]
    public void Slots_holding_an_invalid_state_are_moved_aside_too()
    {
        var state = ValidState();
        state["Logs"]![0]!["Current"]!["Offset"] = -5;
        using (var writer = new StateStore(_folder.Path))
        {
            writer.Save(System.Text.Json.JsonSerializer.Deserialize(state.ToJsonString(), WatcherStateJsonContext.Default.WatcherStateFile)!);
        }
        using var store = new StateStore(_folder.Path);
        var (counter, metrics) = TestLines.Counter(store: store);

        Assert.Null(counter.Restore());
        Assert.Equal(1, metrics.Snapshot().StateResets);
        Assert.Contains(Directory.GetFiles(_folder.Path), f => f.EndsWith(".a.json.corrupt", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetFiles(_folder.Path), f => f.EndsWith(".json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restarts_without_new_lines_change_no_counter_even_past_the_label_set_cap()
    {
        // Given more label sets than the cap, so requests overflowed into {other,other}
        var options = new WatcherOptions { MaxLabelSets = 3 };
        using (var store = new StateStore(_folder.Path))
        {
            var (first, metrics) = TestLines.Counter(options: options, store: store);
            for (int status = 200; status < 210; status++)
            {
                first.Feed(TestLines.MainLine(status: status), TestLines.MainLine(status: status));
            }
            first.OnCheckpoint(Checkpoints.NoLog(0, 10));
            await first.Publisher.StopAsync();
            Assert.Equal(14, metrics.Snapshot().LabelSetsOverflow);
        }

        // When the watcher restarts three times without reading anything
        string before = "";
        for (int restart = 0; restart < 3; restart++)
        {
            using var store = new StateStore(_folder.Path);
            var (again, metrics) = TestLines.Counter(options: options, store: store);
            again.Restore();
            again.OnCheckpoint(Checkpoints.NoLog(0, 0));
            await again.Publisher.StopAsync();
            string text = Exposition.ToText(metrics.Snapshot());

            // Then every counter is what it was (saves aside: each restart saves once)
            string counters = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("watcher_state_saves_total", StringComparison.Ordinal)));
            Assert.Contains("watcher_label_sets_overflow_total 14\n", text, StringComparison.Ordinal);
            Assert.Equal(20, metrics.Snapshot().TotalRequests);
            if (restart > 0)
            {
                Assert.Equal(before, counters);
            }
            before = counters;
        }
    }

    [Fact]
    public void Counters_stop_at_the_top_of_their_range_instead_of_wrapping()
    {
        // Given lines with the largest body size the parser takes (18 digits)
        var (counter, metrics) = TestLines.Counter();
        for (int i = 0; i < 10; i++)
        {
            counter.Feed(TestLines.MainLine(bytes: 999_999_999_999_999_999));
        }
        counter.OnCheckpoint(Checkpoints.NoLog(0, 0));

        // Then the byte counter is at the top of the range, not negative
        var v = metrics.Snapshot();
        Assert.Equal(Counter.Max, v.BodyBytes[0]);
        Assert.Contains($"nginx_http_response_body_bytes_total{{method=\"GET\",status=\"200\"}} {Counter.Max}", Exposition.ToText(v), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_longer_than_18_digits_is_a_bad_number_not_a_huge_count()
    {
        var (counter, metrics) = TestLines.Counter();
        counter.Feed(TestLines.MainLine(bytes: 0).Replace(" 200 0 ", " 200 9999999999999999999 ", StringComparison.Ordinal));
        counter.OnCheckpoint(Checkpoints.NoLog(0, 0));
        var v = metrics.Snapshot();
        Assert.Equal(1, v.LinesMalformed);
        Assert.Equal(1, v.ParseError(ParseFailure.BadNumber));
    }

    [Fact]
    public void Saves_that_keep_failing_turn_readiness_off_after_a_grace_period_and_back_on_when_they_work()
    {
        // Given a counter saving into a folder that then disappears
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var health = new HealthState(time);
        health.Beat();
        health.SetReady();
        string folder = Path.Combine(_folder.Path, "state");
        Directory.CreateDirectory(folder);
        using var store = new StateStore(folder);
        var (counter, metrics) = TestLines.Counter(store: store, time: time, health: health);
        // (each read interval a turn ends with a save: SavePending as the tailer's turn calls it)
        var readInterval = TimeSpan.FromSeconds(1);
        void TimerTurn()
        {
            time.Advance(readInterval);
            counter.Publisher.SavePending();
        }
        counter.Feed(TestLines.MainLine());
        counter.OnCheckpoint(Checkpoints.NoLog(0, 1));
        TimerTurn();
        Assert.Equal(1, metrics.Snapshot().TotalRequests);
        Directory.Delete(folder, recursive: true);

        // When new lines cannot be saved for a while
        counter.Feed(TestLines.MainLine());
        counter.OnCheckpoint(Checkpoints.NoLog(0, 1));
        TimerTurn();
        Assert.Null(health.NotReadyReason); // within the grace period
        Assert.Equal(1, metrics.Snapshot().StateSaveFailures);
        for (int i = 0; i < 12; i++)
        {
            TimerTurn();
            health.Beat();
        }

        // Then readiness is off with a fixed reason, the failures show at once, and the unsaved line does not
        Assert.Equal("state saves are failing", health.NotReadyReason);
        Assert.True(metrics.Snapshot().StateSaveFailures >= 10);
        Assert.Equal(1, metrics.Snapshot().TotalRequests);

        // And a flood of scrapes right after a failure does not retry the save each time (the timer's turns do)
        long failures = metrics.Snapshot().StateSaveFailures;
        for (int i = 0; i < 20; i++)
        {
            Assert.False(counter.Publisher.SavePending(forScrape: true));
        }
        Assert.Equal(failures, metrics.Snapshot().StateSaveFailures);

        // And once the folder is back, the next save publishes the line and readiness returns
        Directory.CreateDirectory(folder);
        TimerTurn();
        health.Beat();
        Assert.Null(health.NotReadyReason);
        Assert.Equal(2, metrics.Snapshot().TotalRequests);
    }
}
