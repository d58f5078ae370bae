using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;

namespace Sidecars.Writer;

/// <summary>
/// The lesson's <c>while true; do date &gt;&gt; /html/index.html; sleep 1; done</c>, exact: one line per tick on
/// the interval's wall-clock boundaries, each line one append, faults logged (throttled), counted and retried
/// at the next tick while readiness says why writing fails.
/// </summary>
internal sealed partial class WriterService(
    IOptions<WriterOptions> options,
    TimeProvider time,
    HealthState health,
    WriterMetrics metrics,
    IIndexFile indexFile,
    ILogger<WriterService> logger) : BackgroundService
{
    private static readonly TimeSpan LogPeriod = TimeSpan.FromSeconds(30);

    private readonly WriterOptions _options = options.Value;
    private readonly LogThrottle _throttle = new(time, LogPeriod);
    private bool _writing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Everything is compiled once; the loop allocates nothing per tick but the file handle.
        var format = DateFormat.Compile(_options.Format);
        var zone = WriterTimeZone.Resolve(_options.TimeZone);
        bool zoneIsUtc = zone == TimeZoneInfo.Utc;
        var schedule = new TickSchedule(_options.Interval);
        var staleAfter = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(10).Ticks, _options.Interval.Ticks * 3));
        // Waits are cut into slices so the loop beats often enough for liveness even if the clock steps back.
        var longestWait = staleAfter / 3;
        char[] text = new char[format.MaxLength + 1];
        byte[] bytes = new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];

        health.StaleAfter = staleAfter;
        health.Beat();
        string interval = LogText.Duration(_options.Interval), quotedFormat = LogText.Quoted(_options.Format);
        Log.Started(logger, indexFile.Path, interval, quotedFormat, _options.TimeZone, _options.MaxLines);

        var last = schedule.BeforeFirst(time.GetUtcNow());
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var tick = await WaitForTickAsync(schedule, last, longestWait, stoppingToken).ConfigureAwait(false);
                if (tick.Missed > 0)
                {
                    metrics.Missed(tick.Missed);
                    Log.TicksMissed(logger, tick.Missed, tick.Due);
                }
                int length = format.Format(TimeZoneInfo.ConvertTime(tick.Due, zone), zoneIsUtc, text);
                text[length++] = '\n';
                int byteCount = Encoding.UTF8.GetBytes(text.AsSpan(0, length), bytes);
                Write(tick.Due, bytes.AsSpan(0, byteCount));
                last = tick.Due;
                health.Beat();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        long written = (long)metrics.LinesWritten, failures = (long)metrics.Failures, missed = (long)metrics.MissedTicks;
        Log.Stopped(logger, written, failures, missed);
    }

    /// <summary>Waits with the injected clock until the next tick is due; an early wake-up waits again.</summary>
    private async Task<PlannedTick> WaitForTickAsync(
        TickSchedule schedule, DateTimeOffset last, TimeSpan longestWait, CancellationToken stoppingToken)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            var tick = schedule.Plan(now, last);
            var wait = tick.Due - now;
            if (wait <= TimeSpan.Zero)
            {
                return tick;
            }
            await Task.Delay(wait < longestWait ? wait : longestWait, time, stoppingToken).ConfigureAwait(false);
            health.Beat();
        }
    }

    private void Write(DateTimeOffset tick, ReadOnlySpan<byte> line)
    {
        try
        {
            var write = indexFile.Append(line);
            metrics.Written(tick, write);
            if (!_writing)
            {
                _writing = true;
                health.SetReady();
                Log.Writing(logger, indexFile.Path);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string reason = WriteFailure.Classify(e);
            metrics.Failed(reason);
            _writing = false;
            health.SetNotReady($"cannot write {indexFile.Path}: {reason}: {e.Message}");
            if (_throttle.ShouldLog(reason, out long suppressed))
            {
                Log.WriteFailed(logger, indexFile.Path, reason, e.Message, suppressed);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information,
            Message = "Writer started: path={Path} interval={Interval} format={Format} timezone={TimeZone} max_lines={MaxLines}")]
        public static partial void Started(ILogger logger, string path, string interval, string format, string timeZone, int maxLines);

        [LoggerMessage(Level = LogLevel.Information, Message = "Writing to {Path}")]
        public static partial void Writing(ILogger logger, string path);

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "Cannot write {Path} ({Reason}): {Error}; retrying at the next tick ({Suppressed} more like it not logged in the last 30 s)")]
        public static partial void WriteFailed(ILogger logger, string path, string reason, string error, long suppressed);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Missed {Missed} tick(s) before {Tick:O}: the writer was paused or too slow")]
        public static partial void TicksMissed(ILogger logger, long missed, DateTimeOffset tick);

        [LoggerMessage(Level = LogLevel.Information,
            Message = "Writer stopped: lines_written={LinesWritten} failures={Failures} missed_ticks={MissedTicks}")]
        public static partial void Stopped(ILogger logger, long linesWritten, long failures, long missedTicks);
    }
}
