using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Receiving;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>
/// Runs the watcher: restores the saved state, follows the access log with <see cref="AccessLogTailer"/> (or receives
/// nginx's syslog messages with <see cref="SyslogReceiver"/>, <c>Watcher:Listen</c>) feeding <see cref="LineCounter"/>, saves and publishes at the end of each of its turns (on a timer, when a
/// scrape asks through <see cref="ReadOnScrape"/>, at a rotation), reports liveness from those turns, logs a
/// summary now and then, and saves a final checkpoint at shutdown.
/// </summary>
internal sealed class WatcherService(
    IOptions<WatcherOptions> options,
    IOptions<HttpOptions> http,
    LogFormat format,
    WatcherMetrics metrics,
    LineCounter counter,
    ReadRequests requests,
    ReadOnScrape reads,
    HealthState health,
    TimeProvider time,
    ILoggerFactory loggers,
    ILogger<WatcherService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        health.StaleAfter = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, o.ReadInterval.Ticks * 5));
        var resume = counter.Restore(); // done already by StateRestoreService: the same checkpoint
        Log.Started(logger, o.Receives ? "(none: receiving on " + o.GetListenAddress() + ")" : string.Join(", ", o.EffectivePaths), Log.Describe(format), o.StartAtEnd ? "end" : "beginning",
            o.SavesState ? o.StateDirectory! : "(none: counters start from zero after a restart)",
            LogText.Duration(o.ReadInterval), LogText.Duration(o.CatchUpTimeout), LogText.Boolean(o.UseNotifications),
            o.Routes.Count, o.MaxLineBytes, http.Value.Port);
        foreach (string warning in FormatCoverage.Warnings(format))
        {
            Log.FormatWarning(logger, warning);
        }
        if (RouteCost.Warning(o) is { } routesWarning)
        {
            Log.RoutesCostWarning(logger, routesWarning);
        }
        if (o.Receives && o.GetListenAddress() is { IsOpenToNetwork: true } listen)
        {
            Log.ListenOpenToNetwork(logger, listen.ToString());
        }
        // A missing log is reported once, by the tailer that waits for it.

        // Each turn ends here, on the reading thread: what it read is saved (with a state folder) and published,
        // and only then are the scrapes it served answered. Alive while it turns (at least once per read interval).
        void AfterTurn(ReadTrigger trigger)
        {
            counter.Publisher.SavePending(forScrape: trigger == ReadTrigger.Scrape);
            reads.Turned(trigger);
            health.Beat();
        }
        Task tailing;
        if (o.Receives)
        {
            // nginx sends (Watcher:Listen): no positions, so the saved checkpoint only brought the counters back.
            var receiver = new SyslogReceiver(
                new ReceiverSettings(o.GetListenAddress(), o.ReceiveBufferBytes, o.MaxMessageBytes, o.GetSocketMode(), o.ReadInterval),
                counter, counter, time, loggers.CreateLogger<SyslogReceiver>())
            {
                Requests = requests,
                AfterTurn = AfterTurn,
            };
            tailing = receiver.RunAsync(stoppingToken);
        }
        else
        {
            var settings = new TailerSettings(o.Path, o.StartAtEnd, o.MaxLineBytes, o.ReadInterval, o.UseNotifications);
            var tailer = new AccessLogTailer(settings, counter, counter, time, loggers.CreateLogger<AccessLogTailer>())
            {
                Paths = o.SeveralLogs ? o.EffectivePaths : null,
                MaxLogs = o.MaxLogs,
                SinkForLog = counter.ForLog,
                Requests = requests,
                AfterTurn = AfterTurn,
                // A backlog of gigabytes takes a while: what was read so far shows every read interval meanwhile.
                DuringLongRead = () =>
                {
                    counter.Publisher.SavePending();
                    health.Beat();
                },
            };
            tailing = tailer.RunAsync(resume, stoppingToken);
        }
        health.Beat();
        health.SetReady();

        var summary = new SummaryLog(metrics, format, time, logger);
        using var summaryTimer = o.SummaryInterval > TimeSpan.Zero
            ? time.CreateTimer(_ => summary.Write(), null, o.SummaryInterval, o.SummaryInterval)
            : null;

        try
        {
            await tailing.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.TailerFailed(logger, e.Message, e);
            health.SetNotReady("the tailer failed: " + e.Message);
            Environment.ExitCode = 1;
            throw;
        }
        finally
        {
            // The tailer reported its last checkpoint when it stopped: save it before the process ends.
            await counter.Publisher.StopAsync().ConfigureAwait(false);
            var v = metrics.Snapshot();
            Log.Stopped(logger, v.TotalRequests, v.LinesParsed, v.LinesMalformed, v.LinesTooLong, v.BytesRead, v.StateSaves);
        }
    }

    /// <summary>One line per interval from the published values: rate, 5xx share, p95 request time, malformed, lag.</summary>
    private sealed class SummaryLog(WatcherMetrics metrics, LogFormat format, TimeProvider time, ILogger logger)
    {
        private MetricValues? _previous;
        private long _previousTimestamp = time.GetTimestamp();

        public void Write()
        {
            var now = metrics.Snapshot();
            long timestamp = time.GetTimestamp();
            double seconds = time.GetElapsedTime(_previousTimestamp, timestamp).TotalSeconds;
            var before = _previous;
            _previous = now;
            _previousTimestamp = timestamp;
            var summary = Summaries.Between(before, now, seconds, format.HasVariable("request_time"));
            Log.Summary(logger, summary.LinesPerSecond, seconds, summary.ServerErrorPercent, Log.Seconds(summary.P95Seconds), summary.Malformed, (long)now.LagBytes);
        }
    }
}

/// <summary>What the summary line says about the change between two copies of the values.</summary>
internal readonly record struct Summary(double LinesPerSecond, double ServerErrorPercent, double P95Seconds, long Malformed);

internal static class Summaries
{
    public static Summary Between(MetricValues? before, MetricValues now, double seconds, bool hasRequestTime)
    {
        long requests = 0, serverErrors = 0;
        for (int id = 0; id < now.LabelSetCount; id++)
        {
            long delta = now.Requests[id] - (before is not null && id < before.LabelSetCount ? before.Requests[id] : 0);
            requests += delta;
            if (now.Layout.ValueOf(id, dimension: 1) is ['5', _, _])
            {
                serverErrors += delta;
            }
        }
        double p95 = double.NaN;
        if (hasRequestTime)
        {
            long[] totals = now.RequestDuration.Totals();
            if (before is not null)
            {
                long[] old = before.RequestDuration.Totals();
                for (int i = 0; i < totals.Length; i++)
                {
                    totals[i] -= old[i];
                }
            }
            p95 = now.RequestDuration.EstimateQuantile(0.95, totals);
        }
        return new Summary(
            seconds > 0 ? (now.LinesRead - (before?.LinesRead ?? 0)) / seconds : 0,
            requests > 0 ? 100.0 * serverErrors / requests : 0,
            p95,
            now.LinesMalformed - (before?.LinesMalformed ?? 0));
    }
}
