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
internal sealed class WriterService(
    IOptions<WriterOptions> options,
    TimeProvider time,
    HealthState health,
    WriterMetrics metrics,
    IIndexFile indexFile,
    ILogger<WriterService> logger) : BackgroundService
{
    private static readonly TimeSpan LogPeriod = TimeSpan.FromSeconds(30);

    // A smaller difference between the wall and the monotonic clock is NTP slewing, or two readings of a thread
    // preempted between them, not a step; and waiting for a tick costs at most two intervals of silence anyway.
    private static readonly TimeSpan SmallestClockStep = TimeSpan.FromSeconds(1);

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
        var clockSteps = new ClockStepDetector(_options.Interval > SmallestClockStep ? _options.Interval : SmallestClockStep);
        var staleAfter = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(10).Ticks, _options.Interval.Ticks * 3));
        // Waits are cut into slices so the loop beats often enough for liveness and sees a clock step soon.
        var longestWait = staleAfter / 3;
        char[] text = new char[format.MaxLength + 1];
        byte[] bytes = new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];

        health.StaleAfter = staleAfter;
        health.Beat();
        string interval = LogText.Duration(_options.Interval), quotedFormat = LogText.Quoted(_options.Format);
        Log.Started(logger, indexFile.Path, interval, quotedFormat, _options.TimeZone, _options.MaxLines);

        long origin = time.GetTimestamp();
        var start = time.GetUtcNow();
        clockSteps.Observe(start, TimeSpan.Zero);
        var last = schedule.BeforeFirst(start);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var step = clockSteps.Observe(now, time.GetElapsedTime(origin));
                if (step.Direction != ClockStepDirection.None)
                {
                    ClockStepped(step, now);
                    if (step.Direction == ClockStepDirection.Backward)
                    {
                        // The schedule never writes a tick at or before the last one, so it would wait until the
                        // clock is back there (an hour for -1 h). The lesson's `date` prints the new time at once:
                        // start again from the new time.
                        last = schedule.RestartAt(now);
                    }
                }
                var tick = schedule.Plan(now, last);
                var wait = tick.Due - now;
                if (wait > TimeSpan.Zero)
                {
                    // An early wake-up comes back here and gets the same tick again.
                    await Task.Delay(wait < longestWait ? wait : longestWait, time, stoppingToken).ConfigureAwait(false);
                    health.Beat();
                    continue;
                }
                if (tick.Missed > 0)
                {
                    metrics.Missed(tick.Missed);
                    Log.TicksMissed(logger, tick.Missed, tick.Due);
                }
                // The line carries the tick's boundary, not the moment the timer fired: lines stay exactly one
                // interval apart however late the timer.
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

    private void ClockStepped(ClockStep step, DateTimeOffset now)
    {
        metrics.ClockStepped(step.Direction);
        string kind = step.Direction == ClockStepDirection.Backward ? "clock_backward" : "clock_forward";
        if (_throttle.ShouldLog(kind, out long suppressed))
        {
            var size = TimeSpan.FromMilliseconds(Math.Round(step.Size.Duration().TotalMilliseconds));
            if (step.Direction == ClockStepDirection.Backward)
            {
                Log.ClockSteppedBack(logger, size, now, suppressed);
            }
            else
            {
                Log.ClockSteppedForward(logger, size, now, suppressed);
            }
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
            // The probe answers anyone who asks: a fixed reason only. The path and the OS error go to the log.
            health.SetNotReady($"write failing: {reason}");
            if (_throttle.ShouldLog(reason, out long suppressed))
            {
                Log.WriteFailed(logger, indexFile.Path, reason, e.Message, suppressed);
            }
        }
    }
}
