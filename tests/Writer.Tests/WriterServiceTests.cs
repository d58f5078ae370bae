using Microsoft.Extensions.Logging;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

public sealed class WriterServiceTests : IAsyncLifetime
{
    // Exactly on a second boundary, so the first line is written at once and every Advance(1 s) is one tick.
    private static readonly DateTimeOffset Start = new(2020, 1, 8, 8, 59, 14, TimeSpan.Zero);

    private readonly WriterUnderTest _writer = new(new WriterOptions(), Start);

    public Task InitializeAsync() => _writer.StartAsync();

    public async Task DisposeAsync() => await _writer.DisposeAsync();

    private void Tick(int attempts) => _writer.Tick(attempts);

    private static void WaitUntil(Func<bool> condition) => WriterUnderTest.WaitUntil(condition);

    [Fact]
    public void Writes_one_date_line_per_second_stamped_with_the_tick()
    {
        _writer.File.WaitForAttempts(1);
        Tick(2);
        Tick(3);
        WaitUntil(() => _writer.Metrics.LinesWritten == 3);

        Assert.Equal(
            ["Wed Jan  8 08:59:14 UTC 2020\n", "Wed Jan  8 08:59:15 UTC 2020\n", "Wed Jan  8 08:59:16 UTC 2020\n"],
            _writer.File.Lines);
        Assert.Equal(Start.AddSeconds(2).ToUnixTimeSeconds(), _writer.Metrics.LastWriteTimestampSeconds);
        Assert.Equal(3 * 29, _writer.Metrics.BytesWritten);
        Assert.Null(_writer.Health.NotReadyReason);
        Assert.True(_writer.Health.IsLive);
        Assert.Equal(TimeSpan.FromSeconds(10), _writer.Health.StaleAfter);
    }

    [Fact]
    public void Start_line_names_the_effective_settings()
    {
        _writer.File.WaitForAttempts(1);

        Assert.Contains(_writer.Logger.Entries, e => e.Level == LogLevel.Information && e.Message ==
            "Writer started: path=/html/index.html interval=1 s format=\"%a %b %e %H:%M:%S %Z %Y\" timezone=UTC max_lines=0");
    }

    [Fact]
    public void A_pause_counts_the_missed_ticks_and_writes_no_burst_of_late_lines()
    {
        _writer.File.WaitForAttempts(1);

        _writer.Clock.AdvanceWhenWaiting(TimeSpan.FromMilliseconds(5200));
        _writer.File.WaitForAttempts(2);
        Tick(3);
        WaitUntil(() => _writer.Metrics.LinesWritten == 3);

        Assert.Equal(
            ["Wed Jan  8 08:59:14 UTC 2020\n", "Wed Jan  8 08:59:19 UTC 2020\n", "Wed Jan  8 08:59:20 UTC 2020\n"],
            _writer.File.Lines);
        Assert.Equal(4, _writer.Metrics.MissedTicks);
        Assert.Contains(_writer.Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Missed 4 tick(s)", StringComparison.Ordinal));
    }

    public static TheoryData<Exception, string> Faults => new()
    {
        { new IOException("No space left on device", 28), WriteFailure.DiskFull },
        { new IOException("Read-only file system", 30), WriteFailure.ReadOnly },
        { new UnauthorizedAccessException("Access to the path '/html/index.html' is denied."), WriteFailure.PermissionDenied },
        { new IOException("Permission denied", 13), WriteFailure.PermissionDenied },
        { new DirectoryNotFoundException("Could not find a part of the path '/html/index.html'."), WriteFailure.NotFound },
        { new IOException("/html/index.html is a folder, not a file", 21), WriteFailure.IsDirectory },
        { WriteFailure.PathIsSymlink("/html/index.html"), WriteFailure.Symlink },
        { new IOException("Input/output error", 5), WriteFailure.Io },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_failing_write_is_counted_by_reason_turns_readiness_off_and_is_retried_next_tick(Exception fault, string reason)
    {
        _writer.File.WaitForAttempts(1);
        WaitUntil(() => _writer.Health.NotReadyReason is null);

        // Given two failing ticks
        _writer.File.FailNext(fault, times: 2);
        Tick(2);
        WaitUntil(() => _writer.Health.NotReadyReason is not null);
        // (what /readyz answers anyone: the kind of failure only, no path, no OS text)
        Assert.Equal($"write failing: {reason}", _writer.Health.NotReadyReason);
        Tick(3);

        // When the third one works again
        WaitUntil(() => _writer.Metrics.Failures == 2);
        Assert.Equal(2, _writer.Metrics.FailuresFor(reason));
        Assert.Equal(2, _writer.Metrics.Failures);
        Tick(4);

        // Then readiness is back and the loop kept its rhythm
        WaitUntil(() => _writer.Health.NotReadyReason is null);
        Assert.True(_writer.Health.IsLive);
        Assert.Equal(["Wed Jan  8 08:59:14 UTC 2020\n", "Wed Jan  8 08:59:17 UTC 2020\n"], _writer.File.Lines);
        // And the operator finds the path and the OS error in the log
        var warning = Assert.Single(_writer.Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"Cannot write /html/index.html ({reason}): {fault.Message}", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_failures_are_logged_once_per_30_seconds_with_the_count_of_suppressed_ones()
    {
        _writer.File.WaitForAttempts(1);
        _writer.File.FailNext(new IOException("No space left on device", 28), times: 100);

        for (int attempt = 2; attempt <= 42; attempt++)
        {
            Tick(attempt);
        }
        WaitUntil(() => _writer.Metrics.Failures == 41);

        var warnings = _writer.Logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("(0 more like it", warnings[0], StringComparison.Ordinal);
        Assert.Contains("(29 more like it", warnings[1], StringComparison.Ordinal);
        Assert.Equal(41, _writer.Metrics.FailuresFor(WriteFailure.DiskFull));
    }

    [Fact]
    public async Task Stop_ends_the_wait_for_the_next_tick_without_the_clock_moving_and_logs_the_totals()
    {
        _writer.File.WaitForAttempts(1);
        Tick(2);
        WaitUntil(() => _writer.Metrics.LinesWritten == 2);

        // The fake clock stands still: only the stop itself can end the wait for the next tick.
        var stop = _writer.Service.StopAsync(CancellationToken.None);
        var finished = await Task.WhenAny(stop, Task.Delay(WriterUnderTest.Patience));

        Assert.True(finished == stop, "stopping waited for the clock");
        await stop;
        Assert.Equal(LogLevel.Information, _writer.Logger.Entries[^1].Level);
        Assert.Equal("Writer stopped: lines_written=2 failures=0 missed_ticks=0", _writer.Logger.Entries[^1].Message);
    }
}
