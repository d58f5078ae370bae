using Microsoft.Extensions.Options;
using Prometheus;
using Sidecars.Hosting;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

/// <summary>
/// A <see cref="WriterService"/> on a fake clock with an in-memory file, its own metrics registry, health and log.
/// Started by the test; stopped on dispose.
/// </summary>
internal sealed class WriterUnderTest : IAsyncDisposable
{
    /// <summary>How long a test waits for something that needs no clock to move (generous for a loaded machine).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public WriterUnderTest(WriterOptions options, DateTimeOffset start)
    {
        Clock = new WaitAwareTimeProvider(start);
        Health = new HealthState(Clock);
        Service = new WriterService(Options.Create(options), Clock, Health, Metrics, File, Logger);
    }

    public WaitAwareTimeProvider Clock { get; }

    public FakeIndexFile File { get; } = new();

    public ListLogger<WriterService> Logger { get; } = new();

    public HealthState Health { get; }

    public WriterMetrics Metrics { get; } = new(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry()));

    public WriterService Service { get; }

    public Task StartAsync() => Service.StartAsync(CancellationToken.None);

    /// <summary>Moves the clock one second once the writer waits, then waits for its next append.</summary>
    public void Tick(int attempts)
    {
        Clock.AdvanceWhenWaiting(TimeSpan.FromSeconds(1));
        File.WaitForAttempts(attempts);
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded, so a writer that ignores the stop fails its test instead of hanging the run.
        using var timeout = new CancellationTokenSource(Patience);
        await Service.StopAsync(timeout.Token);
        Service.Dispose();
    }

    public static void WaitUntil(Func<bool> condition, string what = "condition")
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} not met within {Patience.TotalSeconds:F0} s");
            Thread.Sleep(1);
        }
    }
}
