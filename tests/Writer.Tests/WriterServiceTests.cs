using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Sidecars.Hosting;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

public sealed class WriterServiceTests : IAsyncLifetime, IDisposable
{
    // Exactly on a second boundary, so the first line is written at once and every Advance(1 s) is one tick.
    private static readonly DateTimeOffset Start = new(2020, 1, 8, 8, 59, 14, TimeSpan.Zero);

    private readonly WaitAwareTimeProvider _clock = new(Start);
    private readonly FakeIndexFile _file = new();
    private readonly ListLogger<WriterService> _logger = new();
    private readonly HealthState _health;
    private readonly WriterMetrics _metrics = new(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
    private readonly WriterService _service;

    public WriterServiceTests()
    {
        _health = new HealthState(_clock);
        _service = new WriterService(
            Options.Create(new WriterOptions()), _clock, _health, _metrics, _file, _logger);
    }

    public Task InitializeAsync() => _service.StartAsync(CancellationToken.None);

    public Task DisposeAsync() => _service.StopAsync(CancellationToken.None);

    public void Dispose() => _service.Dispose();

    private void Tick(int attempts)
    {
        _clock.AdvanceWhenWaiting(TimeSpan.FromSeconds(1));
        _file.WaitForAttempts(attempts);
    }

    [Fact]
    public void Writes_one_date_line_per_second_stamped_with_the_tick()
    {
        _file.WaitForAttempts(1);
        Tick(2);
        Tick(3);
        WaitUntil(() => _metrics.LinesWritten == 3);

        Assert.Equal(
            ["Wed Jan  8 08:59:14 UTC 2020\n", "Wed Jan  8 08:59:15 UTC 2020\n", "Wed Jan  8 08:59:16 UTC 2020\n"],
            _file.Lines);
        Assert.Equal(Start.AddSeconds(2).ToUnixTimeSeconds(), _metrics.LastWriteTimestampSeconds);
        Assert.Null(_health.NotReadyReason);
        Assert.True(_health.IsLive);
        Assert.Equal(TimeSpan.FromSeconds(10), _health.StaleAfter);
    }

    [Fact]
    public void Start_line_names_the_effective_settings()
    {
        _file.WaitForAttempts(1);

        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Information && e.Message ==
            "Writer started: path=/html/index.html interval=1 s format=\"%a %b %e %H:%M:%S %Z %Y\" timezone=UTC max_lines=0");
    }

    [Fact]
    public void A_pause_counts_the_missed_ticks_and_writes_no_burst_of_late_lines()
    {
        _file.WaitForAttempts(1);

        _clock.AdvanceWhenWaiting(TimeSpan.FromMilliseconds(5200));
        _file.WaitForAttempts(2);
        Tick(3);
        WaitUntil(() => _metrics.LinesWritten == 3);

        Assert.Equal(
            ["Wed Jan  8 08:59:14 UTC 2020\n", "Wed Jan  8 08:59:19 UTC 2020\n", "Wed Jan  8 08:59:20 UTC 2020\n"],
            _file.Lines);
        Assert.Equal(4, _metrics.MissedTicks);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Missed 4 tick(s)", StringComparison.Ordinal));
    }

    public static TheoryData<Exception, string> Faults => new()
    {
        { new IOException("No space left on device", 28), WriteFailure.DiskFull },
        { new IOException("Read-only file system", 30), WriteFailure.ReadOnly },
        { new UnauthorizedAccessException("Access to the path '/html/index.html' is denied."), WriteFailure.PermissionDenied },
        { new IOException("Permission denied", 13), WriteFailure.PermissionDenied },
        { new DirectoryNotFoundException("Could not find a part of the path '/html/index.html'."), WriteFailure.NotFound },
        { new IOException("Input/output error", 5), WriteFailure.Io },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_failing_write_is_counted_by_reason_turns_readiness_off_and_is_retried_next_tick(Exception fault, string reason)
    {
        _file.WaitForAttempts(1);
        WaitUntil(() => _health.NotReadyReason is null);

        // Given two failing ticks
        _file.FailNext(fault, times: 2);
        Tick(2);
        WaitUntil(() => _health.NotReadyReason is not null);
        Assert.Equal($"cannot write /html/index.html: {reason}: {fault.Message}", _health.NotReadyReason);
        Tick(3);

        // When the third one works again
        WaitUntil(() => _metrics.Failures == 2);
        Assert.Equal(2, _metrics.FailuresFor(reason));
        Assert.Equal(2, _metrics.Failures);
        Tick(4);

        // Then readiness is back and the loop kept its rhythm
        WaitUntil(() => _health.NotReadyReason is null);
        Assert.True(_health.IsLive);
        Assert.Equal(["Wed Jan  8 08:59:14 UTC 2020\n", "Wed Jan  8 08:59:17 UTC 2020\n"], _file.Lines);
        var warning = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"Cannot write /html/index.html ({reason}): {fault.Message}", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_failures_are_logged_once_per_30_seconds_with_the_count_of_suppressed_ones()
    {
        _file.WaitForAttempts(1);
        _file.FailNext(new IOException("No space left on device", 28), times: 100);

        for (int attempt = 2; attempt <= 42; attempt++)
        {
            Tick(attempt);
        }
        WaitUntil(() => _metrics.Failures == 41);

        var warnings = _logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("(0 more like it", warnings[0], StringComparison.Ordinal);
        Assert.Contains("(29 more like it", warnings[1], StringComparison.Ordinal);
        Assert.Equal(41, _metrics.FailuresFor(WriteFailure.DiskFull));
    }

    [Fact]
    public async Task Stop_interrupts_the_wait_at_once_and_logs_the_totals()
    {
        _file.WaitForAttempts(1);
        Tick(2);
        WaitUntil(() => _metrics.LinesWritten == 2);

        var stopwatch = Stopwatch.StartNew();
        await _service.StopAsync(CancellationToken.None);

        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(500), $"stop took {stopwatch.Elapsed}");
        Assert.Equal(LogLevel.Information, _logger.Entries[^1].Level);
        Assert.Equal("Writer stopped: lines_written=2 failures=0 missed_ticks=0", _logger.Entries[^1].Message);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 5 s");
            Thread.Sleep(1);
        }
    }
}
