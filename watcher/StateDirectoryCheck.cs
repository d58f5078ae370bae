using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.State;

namespace Sidecars.Watcher;

/// <summary>
/// The watcher's first step at start, once the settings are valid and before the saved state is restored or the HTTP
/// endpoint listens (registered as the first hosted service): with <c>Watcher:StateDirectory</c> set, it writes and
/// deletes a probe file there and reserves disk for both state slots at their largest
/// (<see cref="StateDiskReservation"/>), so a folder the watcher cannot write or a volume too small stops it now, with
/// one line naming the setting and exit code 2, not at a later save. Once mode saves nothing and skips it.
/// </summary>
internal sealed class StateDirectoryCheck(IOptions<WatcherOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        Problem(options.Value) is { } problem ? throw new ConfigurationException(problem) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>What stops the watcher, in one line, or null (also when nothing is saved); reserves the room on success.</summary>
    public static string? Problem(WatcherOptions options)
    {
        if (!options.SavesState)
        {
            return null;
        }
        string folder = options.StateDirectory!;
        string probe = Path.Combine(folder, $".watcher-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Watcher:StateDirectory {folder} is not writable: {e.Message}";
        }
        long slot = StateSize.SlotBound(options);
        return StateDiskReservation.Reserve(folder, slot) is { } problem
            ? $"Watcher:StateDirectory {folder} has no room for the state: it needs up to 2 x {slot} bytes with Watcher:MaxLabelSets={options.MaxLabelSets} ({problem}); give the volume more room or lower Watcher:MaxLabelSets{(options.Routes.Any(RouteTable.Expands) ? " or the MaxValues of Watcher:Routes" : "")}"
            : null;
    }
}
