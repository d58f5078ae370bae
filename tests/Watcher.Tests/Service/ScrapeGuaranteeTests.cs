using System.Diagnostics;
using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>
/// The promise a scrape keeps, on the built watcher and a real writer: it counts every complete line that was in
/// the log when it arrived, though no write wakes the watcher. The read interval is a minute here, so only the
/// scrapes' own catch-ups read.
/// </summary>
[Collection(WatcherProcess.Collection)]
public sealed class ScrapeGuaranteeTests : IDisposable
{
    private const string OnlyScrapesRead = "--Watcher:ReadInterval=00:01:00";
    private readonly TempFolder _folder = new("scrape-guarantee");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(100, false)]
    [InlineData(1000, false)]
    [InlineData(5000, false)]
    [InlineData(1000, true)]
    public async Task Every_scrape_counts_every_line_flushed_before_it_while_a_writer_appends(int linesPerSecond, bool withState)
    {
        // Given the watcher, and a writer appending lines one write each at a steady rate
        string log = _folder.File($"access-{linesPerSecond}-{withState}.log");
        File.WriteAllText(log, "");
        string state = Path.Combine(_folder.Path, $"state-{linesPerSecond}");
        Directory.CreateDirectory(state);
        string[] args = withState
            ? [$"--Watcher:Path={log}", $"--Watcher:StateDirectory={state}", OnlyScrapesRead]
            : [$"--Watcher:Path={log}", OnlyScrapesRead];
        await using var watcher = WatcherProcess.Start(args);
        await watcher.WaitReadyAsync();
        using var writer = new PacedWriter(log, linesPerSecond);

        // When it is scraped right after a known line was flushed, many times over
        int trials = 0, misses = 0;
        string firstMiss = "";
        var clock = Stopwatch.StartNew();
        while (trials < 300 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            long flushed = writer.Flushed;
            double counted = await watcher.RequestsAsync();
            trials++;
            if (counted < flushed)
            {
                misses++;
                firstMiss = firstMiss.Length > 0 ? firstMiss : $"trial {trials}: {counted} counted, {flushed} flushed before the scrape";
            }
        }
        long total = writer.Stop();

        // Then no scrape missed a line, and once the writer stopped every line is counted exactly once
        Assert.True(trials >= 100, $"only {trials} trials");
        Assert.True(misses == 0, $"{misses} of {trials} scrapes missed lines; first: {firstMiss}");
        Assert.Equal(total, await watcher.RequestsAsync());
        Assert.True(total > 0);
    }

    [Fact]
    public async Task Scrapes_that_arrive_together_share_one_read_and_each_counts_every_line()
    {
        // Given the watcher, past its first turns, and lines it has not read
        string log = _folder.File("access.log");
        File.WriteAllText(log, "");
        await using var watcher = WatcherProcess.Start($"--Watcher:Path={log}", OnlyScrapesRead);
        await watcher.WaitReadyAsync();
        await File.AppendAllTextAsync(log, string.Concat(Enumerable.Range(0, 40).Select(i => TestLines.MainLine(i: i) + "\n")));
        double turnsBefore = Exposition.Value(await watcher.ScrapeAsync(), "watcher_read_turns_total", "trigger=\"scrape\"");

        // When 40 scrapes arrive at once, each on its own connection
        var clients = Enumerable.Range(0, 40).Select(_ => new HttpClient()).ToArray();
        using var go = new ManualResetEventSlim();
        var scrapes = clients.Select(c => Task.Run(async () =>
        {
            go.Wait();
            return await c.GetStringAsync($"http://127.0.0.1:{watcher.Port}/metrics");
        })).ToArray();
        go.Set();
        var texts = await Task.WhenAll(scrapes);
        Array.ForEach(clients, c => c.Dispose());

        // Then every one counts the 40 lines (41 with the scrape before), and they shared a few reads, not 40
        Assert.All(texts, t => Assert.Equal(40, Exposition.Value(t, "nginx_http_requests_total", "method=\"GET\"", "status=\"200\"")));
        double turns = Exposition.Value(await watcher.ScrapeAsync(), "watcher_read_turns_total", "trigger=\"scrape\"") - turnsBefore;
        Assert.InRange(turns, 1, 12); // the 40 scrapes and the last one; without sharing it would be 41
    }

    /// <summary>Appends `main` lines on its own thread, one flushed write each, at a steady rate; <see cref="Flushed"/> counts those on disk.</summary>
    private sealed class PacedWriter : IDisposable
    {
        private readonly Thread _thread;
        private readonly int _perSecond;
        private readonly string _path;
        private volatile bool _stop;
        private long _flushed;

        public PacedWriter(string path, int perSecond)
        {
            _path = path;
            _perSecond = perSecond;
            _thread = new Thread(Run) { IsBackground = true };
            _thread.Start();
        }

        public long Flushed => Interlocked.Read(ref _flushed);

        private void Run()
        {
            using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            var clock = Stopwatch.StartNew();
            long i = 0;
            while (!_stop)
            {
                // Catch up with the schedule in one go (a burst after a preemption), one write per line.
                long due = (long)(clock.Elapsed.TotalSeconds * _perSecond);
                for (; i < due && !_stop; i++)
                {
                    file.Write(System.Text.Encoding.ASCII.GetBytes(TestLines.MainLine(i: (int)i) + "\n"));
                    file.Flush();
                    Interlocked.Increment(ref _flushed);
                }
                Thread.Sleep(1);
            }
        }

        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return Flushed;
        }

        public void Dispose() => Stop();
    }
}
