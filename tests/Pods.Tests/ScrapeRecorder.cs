using System.Diagnostics;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Scrapes one counter again and again in the background (every 20 ms) and keeps every answer, so that a test can
/// check what a scraper saw all along, e.g. through the restarts of the watcher, not only at the end. A scrape that
/// fails (the watcher is down) is kept as a gap. A missing series counts as 0: after a restart that is a decrease too.
/// </summary>
internal sealed class ScrapeRecorder : IAsyncDisposable
{
    private readonly List<Sample> _samples = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _scraping;

    private ScrapeRecorder(HttpClient http, Uri metrics, string name)
    {
        _scraping = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                double? total;
                try
                {
                    total = Exposition.ValueOrZero(await http.GetStringAsync(metrics, _stop.Token), name);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    total = null;
                }
                lock (_samples)
                {
                    _samples.Add(new Sample(_clock.Elapsed, total));
                }
                try
                {
                    await Task.Delay(20, _stop.Token);
                }
                catch (TaskCanceledException)
                {
                }
            }
        });
    }

    /// <summary>One scrape: when (since the start), and the counter's value, or null when the scrape failed.</summary>
    public readonly record struct Sample(TimeSpan At, double? Total);

    public static ScrapeRecorder Start(HttpClient http, Uri metrics, string name) => new(http, metrics, name);

    /// <summary>The time since the recorder started, to mark events (a kill, a restart) among the samples.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>How many scrapes answered since <paramref name="from"/>, while it goes on scraping.</summary>
    public int AnsweredSince(TimeSpan from)
    {
        lock (_samples)
        {
            return Answered(_samples, from, TimeSpan.MaxValue);
        }
    }

    /// <summary>Stops scraping and returns every sample, in order.</summary>
    public async Task<IReadOnlyList<Sample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _scraping;
        lock (_samples)
        {
            return [.. _samples];
        }
    }

    /// <summary>Fails when a successful scrape showed less than an earlier one.</summary>
    public static void AssertNeverDecreases(IReadOnlyList<Sample> samples)
    {
        double highest = 0;
        TimeSpan highestAt = TimeSpan.Zero;
        foreach (var sample in samples)
        {
            if (sample.Total is not { } total)
            {
                continue;
            }
            Assert.False(total < highest,
                $"the counter went backwards: {highest} at {highestAt.TotalMilliseconds:F0} ms, then {total} at {sample.At.TotalMilliseconds:F0} ms");
            if (total > highest)
            {
                (highest, highestAt) = (total, sample.At);
            }
        }
    }

    /// <summary>How many scrapes answered between two moments.</summary>
    public static int Answered(IReadOnlyList<Sample> samples, TimeSpan from, TimeSpan to) =>
        samples.Count(s => s.Total is not null && s.At >= from && s.At < to);

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }
}
