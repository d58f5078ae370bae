using Microsoft.Extensions.Logging;
using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;
using Microsoft.Extensions.Time.Testing;

using Sidecars.Tests.Watcher.Tailing;

using Sidecars.Tests.Watcher.State;

namespace Sidecars.Tests.Watcher;

public sealed class LineCounterTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-counter");

    public void Dispose() => _folder.Dispose();

    private static TailCheckpoint At(long offset) =>
        Checkpoints.OneLog(new TailPosition(new FileIdentity(new FileId(1, 2), 3, 4), offset), [], 0, offset);

    [Fact]
    public void Without_a_state_folder_a_checkpoint_publishes_at_once_and_lines_before_it_do_not()
    {
        var (counter, metrics) = TestLines.Counter();
        counter.Feed(TestLines.MainLine(), TestLines.MainLine());
        Assert.Equal(0, metrics.Snapshot().TotalRequests);

        counter.OnCheckpoint(At(100));

        Assert.Equal(2, metrics.Snapshot().TotalRequests);
        Assert.Equal(100, metrics.Snapshot().BytesRead);
    }

    [Fact]
    public async Task Published_values_are_never_ahead_of_the_saved_ones()
    {
        // Given a counter that saves to a state folder, and a scraper rendering /metrics meanwhile
        using var store = new StateStore(_folder.Path);
        var (counter, metrics) = TestLines.Counter(store: store);
        counter.Restore();
        using var stop = new CancellationTokenSource();
        long violations = 0, scrapes = 0;
        var scraper = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                metrics.WriteTo(new System.Buffers.ArrayBufferWriter<byte>()); // renders the published values
                long published = metrics.Snapshot().TotalRequests;
                // Read the files after the snapshot: they can only be newer, never older.
                long saved = TestLines.Requests(SavedState.LoadCopy(_folder.Path));
                if (published > saved)
                {
                    Interlocked.Increment(ref violations);
                }
                Interlocked.Increment(ref scrapes);
            }
        }, TaskCreationOptions.LongRunning);

        // When lines arrive in many batches, each saved and published as a turn of the tailer ends, while the scraper really scrapes
        for (int batch = 1; batch <= 200; batch++)
        {
            counter.Feed(TestLines.MainLine(), TestLines.MainLine(status: 404));
            counter.OnCheckpoint(At(batch * 2));
            counter.Publisher.SavePending(forScrape: batch % 2 == 0);
            if (batch % 20 == 0)
            {
                long target = Interlocked.Read(ref scrapes) + 3;
                await Eventually.Holds(() => Interlocked.Read(ref scrapes) >= target, TimeSpan.FromSeconds(10), "three scrapes");
            }
        }
        await counter.Publisher.StopAsync();
        stop.Cancel();
        await scraper;

        // Then every scrape showed saved values only, and the last save holds everything
        Assert.Equal(0, violations);
        Assert.Equal(400, metrics.Snapshot().TotalRequests);
        var final = store.Load(out _)!;
        Assert.Equal(400, TestLines.Requests(final));
        Assert.Equal(400, final.Logs[0].Current!.Offset);
        Assert.True(metrics.Snapshot().StateSaves >= 1);
    }

    [Fact]
    public void With_a_state_folder_checkpointed_values_are_published_by_the_save_that_ends_a_turn_and_a_turn_with_nothing_new_saves_nothing()
    {
        // Given a counter with a state folder on a fake clock
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var store = new StateStore(_folder.Path);
        var (counter, metrics) = TestLines.Counter(store: store, time: time);
        counter.Restore();

        // When lines are checkpointed, nothing is published before a save
        counter.Feed(TestLines.MainLine(), TestLines.MainLine());
        counter.OnCheckpoint(At(2));
        Assert.Equal(0, metrics.Snapshot().TotalRequests);
        long version = metrics.Version;

        // Then the save at the end of the turn publishes them, and says so to the rendering cache
        Assert.True(counter.Publisher.SavePending(forScrape: true));
        Assert.Equal(2, metrics.Snapshot().TotalRequests);
        Assert.Equal(1, metrics.Snapshot().StateSaves);
        Assert.True(metrics.Version > version);

        // And a turn that read nothing new saves nothing and publishes nothing
        version = metrics.Version;
        Assert.True(counter.Publisher.SavePending());
        Assert.Equal(1, metrics.Snapshot().StateSaves);
        Assert.Equal(version, metrics.Version);
    }

    [Fact]
    public async Task A_restart_continues_from_the_saved_counters_and_checkpoint()
    {
        using (var store = new StateStore(_folder.Path))
        {
            var (first, _) = TestLines.Counter(store: store);
            first.Feed(TestLines.MainLine(), TestLines.MainLine(), TestLines.MainLine(status: 500));
            first.OnCheckpoint(At(300));
            await first.Publisher.StopAsync();
        }

        using var again = new StateStore(_folder.Path);
        var (second, metrics) = TestLines.Counter(store: again);
        var resume = second.Restore();

        Assert.Equal(300, resume!.OnlyLog().Current!.Value.Offset);
        Assert.Equal(3, metrics.Snapshot().TotalRequests);
        second.Feed(TestLines.MainLine());
        second.OnCheckpoint(At(400));
        await second.Publisher.StopAsync();
        Assert.Equal(4, metrics.Snapshot().TotalRequests);
        Assert.Equal(300 + 400, metrics.Snapshot().BytesRead);
    }

    [Fact]
    public void Malformed_lines_are_counted_by_reason_and_logged_at_most_once_per_ten_seconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var logger = new RecordingLogger();
        var counter = WatcherHostExtensions.CreateCounting(new WatcherOptions(), LogFormat.Main, null, time, new SingleLoggerFactory(logger));
        var metrics = counter.Metrics;

        counter.Feed("garbage one", "garbage two", TestLines.MainLine(), "garbage three");
        time.Advance(TimeSpan.FromSeconds(10));
        counter.Feed("garbage four");
        counter.OnCheckpoint(At(1));

        Assert.Equal(2, logger.Warnings.Count);
        Assert.Contains("garbage one", logger.Warnings[0], StringComparison.Ordinal);
        Assert.Contains("truncated", logger.Warnings[0], StringComparison.Ordinal);
        Assert.Contains("2 more", logger.Warnings[1], StringComparison.Ordinal);
        var v = metrics.Snapshot();
        Assert.Equal(4, v.LinesMalformed);
        Assert.Equal(4, v.ParseErrors.Sum());
        Assert.Equal(1, v.LinesParsed);
    }

    [Fact]
    public void Too_long_lines_and_rotations_are_counted()
    {
        var (counter, metrics) = TestLines.Counter();
        counter.OnLineTooLong(70_000);
        counter.OnLineTooLong(80_000);
        counter.OnRotation(RotationKind.Renamed);
        counter.OnCheckpoint(Checkpoints.NoLog(1234, 0));
        var v = metrics.Snapshot();
        Assert.Equal(2, v.LinesTooLong);
        Assert.Equal(1, v.Rotations[(int)RotationKind.Renamed]);
        Assert.Equal(1234, v.LagBytes);
    }

    [Fact]
    public void Summary_reports_rate_server_error_share_and_p95()
    {
        var (counter, metrics) = TestLines.Counter(format: LogFormat.Compile(TestLines.TimedFormat));
        for (int i = 0; i < 100; i++)
        {
            counter.Feed(TestLines.Timed("GET", "/", i < 10 ? 503 : 200, 1, i < 90 ? "0.003" : "0.7"));
        }
        counter.OnCheckpoint(At(1));
        var summary = Summaries.Between(null, metrics.Snapshot(), 10, hasRequestTime: true);
        Assert.Equal(10, summary.LinesPerSecond);
        Assert.Equal(10, summary.ServerErrorPercent);
        Assert.InRange(summary.P95Seconds, 0.5, 1);
    }

    /// <summary>Hands the same logger to every category.</summary>
    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
