using Microsoft.Extensions.Hosting;

namespace Sidecars.Watcher;

/// <summary>
/// Restores the saved state into the values when the host starts, before the HTTP endpoint serves anything:
/// registered as the first hosted service. Restoring is quick (one file) and happens once.
/// </summary>
internal sealed class StateRestoreService(LineCounter counter) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        counter.Restore();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
