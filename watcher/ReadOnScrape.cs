using Microsoft.Extensions.Logging;
using Prometheus;
using Sidecars.Hosting;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>
/// The watcher's side of a scrape: it asks the tailer for a turn (<see cref="ReadRequests"/>) and waits until that
/// turn has read every log to its end and published (saved first, with a state folder), so the scrape counts every
/// complete line that was in the logs when it arrived. It waits at most <see cref="Timeout"/>: past that the scrape
/// is served what is published, and <c>watcher_scrape_catch_up_timeouts_total</c> counts it. Also counts the
/// tailer's turns by what started them.
/// </summary>
internal sealed class ReadOnScrape : IScrapeCatchUp
{
    private readonly ReadRequests _requests;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _throttle;
    private readonly Counter _timeouts;
    private readonly Counter.Child[] _turns;

    public ReadOnScrape(ReadRequests requests, TimeSpan timeout, TimeProvider time, IMetricFactory metrics, ILogger<ReadOnScrape> logger)
    {
        _requests = requests;
        Timeout = timeout;
        _time = time;
        _logger = logger;
        _throttle = new LogThrottle(time, TimeSpan.FromSeconds(10));
        _timeouts = metrics.CreateCounter("watcher_scrape_catch_up_timeouts_total",
            "Scrapes served the values published before they arrived, because reading the logs to their end took longer than Watcher:CatchUpTimeout.");
        var turns = metrics.CreateCounter("watcher_read_turns_total",
            "Turns that read every log to its end, by what started them: the read interval, a scrape, a name change in a log's folder (a rotation).",
            new CounterConfiguration { LabelNames = ["trigger"] });
        // Every trigger from the start, at 0.
        _turns = [.. ReadTriggers.Labels.Select(l => turns.WithLabels(l))];
    }

    /// <summary>The longest a scrape waits for the turn (<c>Watcher:CatchUpTimeout</c>); zero: it does not ask.</summary>
    public TimeSpan Timeout { get; }

    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (Timeout <= TimeSpan.Zero)
        {
            return;
        }
        try
        {
            await _requests.NextTurnAsync().WaitAsync(Timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _timeouts.Inc();
            if (_throttle.ShouldLog("catch_up", out long suppressed))
            {
                Log.CatchUpTimedOut(_logger, LogText.Duration(Timeout), suppressed);
            }
        }
    }

    /// <summary>Counts a turn of the tailer (on its thread).</summary>
    public void Turned(ReadTrigger trigger) => _turns[(int)trigger].Inc();
}
