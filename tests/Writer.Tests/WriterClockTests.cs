using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

/// <summary>The writer against its clock, on a fake clock.</summary>
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
}
