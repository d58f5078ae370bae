using Microsoft.Extensions.Logging;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

/// <summary>The writer against its clock: late timers, pauses and steps of the wall clock, on a fake clock.</summary>
public sealed class WriterClockTests : IAsyncLifetime
{
    // Exactly on a second boundary, so the first line is written at once.
    private static readonly DateTimeOffset Start = new(2020, 1, 8, 8, 59, 14, TimeSpan.Zero);

    // Nanoseconds in the line: a line stamped with the moment the timer fired instead of its tick shows it.
    private readonly WriterUnderTest _writer = new(new WriterOptions { Format = "iso8601ns" }, Start);

    public Task InitializeAsync() => _writer.StartAsync();

    public async Task DisposeAsync() => await _writer.DisposeAsync();

    private static string Line(DateTimeOffset tick) => $"{tick:yyyy-MM-dd'T'HH:mm:ss},000000000+00:00\n";

    [Fact]
    public void Lines_carry_the_tick_boundary_however_late_the_timer_fires()
    {
        _writer.File.WaitForAttempts(1);
        // Timers firing up to 450 ms late (less than the half interval after which a tick counts as missed).
        var random = new Random(7);
        for (int k = 1; k <= 30; k++)
        {
            var lateness = TimeSpan.FromMilliseconds(k == 1 ? 450 : random.Next(0, 451));
            var wait = Start.AddSeconds(k) - _writer.Clock.GetUtcNow();
            _writer.Clock.AdvanceWhenWaiting(wait + lateness);
            _writer.File.WaitForAttempts(k + 1);
        }

        Assert.Equal(Enumerable.Range(0, 31).Select(k => Line(Start.AddSeconds(k))), _writer.File.Lines);
        Assert.Equal(0, _writer.Metrics.MissedTicks);
        Assert.Equal(Start.AddSeconds(30).ToUnixTimeSeconds(), _writer.Metrics.LastWriteTimestampSeconds);
    }

    [Fact]
    public void A_backward_step_larger_than_the_interval_is_counted_logged_once_and_writing_goes_on_at_the_new_time()
    {
        _writer.File.WaitForAttempts(1);
        _writer.Tick(2);

        // Given the wall clock stepped back an hour while the writer waited for 08:59:16
        _writer.Clock.StepWallClockWhileWaiting(TimeSpan.FromHours(-1));

        // When the timer fires (200 ms late: 07:59:16.2 by the new time), and once more a second later
        _writer.Clock.AdvanceWhenWaiting(TimeSpan.FromMilliseconds(1200));
        _writer.File.WaitForAttempts(3);
        _writer.Clock.AdvanceWhenWaiting(TimeSpan.FromMilliseconds(800));
        _writer.File.WaitForAttempts(4);

        // Then the lines go on at once from the new time, as `date` would print it
        Assert.Equal(
            [Line(Start), Line(Start.AddSeconds(1)), Line(Start.AddSeconds(2).AddHours(-1)), Line(Start.AddSeconds(3).AddHours(-1))],
            _writer.File.Lines);
        Assert.Equal(1, _writer.Metrics.ClockStepsBackward);
        Assert.Equal(0, _writer.Metrics.ClockStepsForward);
        Assert.Equal(0, _writer.Metrics.MissedTicks);
        var warning = Assert.Single(_writer.Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith("The wall clock stepped back by 01:00:00 (now 2020-01-08T07:59:16", warning.Message, StringComparison.Ordinal);
        Assert.Null(_writer.Health.NotReadyReason);
    }

    [Fact]
    public void A_backward_step_within_the_interval_is_no_step_and_writes_no_tick_twice()
    {
        _writer.File.WaitForAttempts(1);

        // The clock steps back 800 ms while the writer waits for 08:59:15: it wakes at 08:59:14.2.
        _writer.Clock.StepWallClockWhileWaiting(TimeSpan.FromMilliseconds(-800));
        _writer.Clock.AdvanceWhenWaiting(TimeSpan.FromSeconds(1));
        _writer.Clock.AdvanceWhenWaiting(TimeSpan.FromMilliseconds(800));
        _writer.File.WaitForAttempts(2);

        Assert.Equal([Line(Start), Line(Start.AddSeconds(1))], _writer.File.Lines);
        Assert.Equal(0, _writer.Metrics.ClockStepsBackward);
        Assert.DoesNotContain(_writer.Logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void A_forward_step_is_counted_as_a_step_and_the_ticks_it_skipped_as_missed()
    {
        _writer.File.WaitForAttempts(1);

        _writer.Clock.StepWallClockWhileWaiting(TimeSpan.FromHours(1));
        _writer.Tick(2);

        Assert.Equal([Line(Start), Line(Start.AddHours(1).AddSeconds(1))], _writer.File.Lines);
        Assert.Equal(1, _writer.Metrics.ClockStepsForward);
        Assert.Equal(0, _writer.Metrics.ClockStepsBackward);
        Assert.Equal(3600, _writer.Metrics.MissedTicks);
        Assert.Contains(_writer.Logger.Entries, e => e.Level == LogLevel.Warning
            && e.Message.StartsWith("The wall clock stepped forward by 01:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pause_of_the_process_is_no_clock_step()
    {
        _writer.File.WaitForAttempts(1);

        // Both clocks move 5.2 s while the writer sleeps: ticks are missed, the clock did not step.
        _writer.Clock.AdvanceWhenWaiting(TimeSpan.FromMilliseconds(5200));
        _writer.File.WaitForAttempts(2);

        Assert.Equal([Line(Start), Line(Start.AddSeconds(5))], _writer.File.Lines);
        Assert.Equal(4, _writer.Metrics.MissedTicks);
        Assert.Equal(0, _writer.Metrics.ClockStepsForward);
        Assert.Equal(0, _writer.Metrics.ClockStepsBackward);
    }
}
