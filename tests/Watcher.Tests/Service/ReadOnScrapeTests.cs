using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Sidecars.Testing;
using Sidecars.Tests.Watcher.Tailing;
using Sidecars.Watcher;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Service;

public sealed class ReadOnScrapeTests : IDisposable
{
    private readonly TempFolder _folder = new("read-on-scrape");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_scrape_whose_read_is_stuck_is_answered_after_the_timeout_and_counted_and_the_next_one_after_it_recovers_is_not()
    {
        // Given a tailer stuck in a read (a volume that hangs: the sink blocks on the first line), and a 300 ms timeout
        string log = _folder.File("access.log");
        File.WriteAllText(log, "line\n");
        var sink = new StallingSink();
        var tailer = new AccessLogTailer(TailerHarness.Settings(log), sink, new RecordingSink(), TimeProvider.System, NullLogger<AccessLogTailer>.Instance);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var reads = new ReadOnScrape(tailer.Requests, TimeSpan.FromMilliseconds(300), TimeProvider.System, Prometheus.Metrics.WithCustomRegistry(registry), NullLogger<ReadOnScrape>.Instance);
        using var stop = new CancellationTokenSource();
        var run = tailer.RunAsync(null, stop.Token);
        await Eventually.Holds(() => sink.Stalled, TailerHarness.Within, "the tailer stuck in its first read");

        // When two scrapes ask for a read
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(reads.CatchUpAsync(CancellationToken.None), reads.CatchUpAsync(CancellationToken.None));

        // Then both are answered after the timeout, not when the volume comes back, and both are counted
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(5));
        Assert.Equal(2, await TimeoutsAsync(registry));

        // And once the read goes on, a scrape's read ends well within the timeout and is not counted
        sink.Release();
        await Eventually.Holds(async () =>
        {
            await reads.CatchUpAsync(CancellationToken.None);
            return true;
        }, TailerHarness.Within, "a read after the recovery");
        clock.Restart();
        await reads.CatchUpAsync(CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(250), $"took {clock.Elapsed}");
        Assert.Equal(2, await TimeoutsAsync(registry));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task With_no_timeout_a_scrape_never_asks_for_a_read()
    {
        var requests = new ReadRequests(); // no tailer runs: a request would never be served
        var reads = new ReadOnScrape(requests, TimeSpan.Zero, TimeProvider.System, Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry()), NullLogger<ReadOnScrape>.Instance);
        var clock = Stopwatch.StartNew();
        await reads.CatchUpAsync(CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(100));
        Assert.Null(requests.TakePending());
    }

    [Fact]
    public async Task Requests_made_before_a_turn_starts_share_it_and_one_made_during_a_turn_waits_for_the_next()
    {
        var requests = new ReadRequests();
        int wakes = 0;
        requests.Attach(() => Interlocked.Increment(ref wakes));

        // Three scrapes before the turn: one wake, one turn serves them all
        var a = requests.NextTurnAsync();
        var b = requests.NextTurnAsync();
        var c = requests.NextTurnAsync();
        Assert.Equal(1, wakes);
        var turn = requests.TakePending();
        Assert.NotNull(turn);

        // One during the turn: not served by it
        var during = requests.NextTurnAsync();
        Assert.Equal(2, wakes);
        turn.TrySetResult();
        await Task.WhenAll(a, b, c);
        Assert.False(during.IsCompleted);

        // The next turn serves it; after the tailer stopped, requests are answered at once
        requests.TakePending()!.TrySetResult();
        await during;
        requests.Stop();
        Assert.True(requests.NextTurnAsync().IsCompleted);
    }

    private static async Task<double> TimeoutsAsync(CollectorRegistry registry)
    {
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        return Exposition.Value(System.Text.Encoding.UTF8.GetString(text.ToArray()), "watcher_scrape_catch_up_timeouts_total");
    }
}
