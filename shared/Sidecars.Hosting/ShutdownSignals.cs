using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// SIGTERM, SIGINT and SIGQUIT, caught from the first line of <see cref="SidecarHost.RunAsync"/> on, and the host's
/// lifetime in place of its ConsoleLifetime. A stop asked for while the host is still starting is kept and carried
/// out as soon as the start has finished, so that it ends like any other: every service stopped, exit code 0.
/// </summary>
/// <remarks>
/// ConsoleLifetime caught the signals only once the host began to start, and a signal during the start cancelled it.
/// A SIGTERM in the first moments of a container was therefore lost (the process is PID 1 there, and PID 1 ignores a
/// signal it does not catch: the kubelet waits out its grace period and kills it), and one during the start crashed
/// the process with an unhandled cancellation.
/// </remarks>
internal sealed class ShutdownSignals : IHostLifetime, IDisposable
{
    private readonly Lock _lock = new();
    private readonly PosixSignalRegistration[] _registrations;
    private (IHostApplicationLifetime Lifetime, ILogger Logger)? _started; // null until the host has started
    private string? _why; // what asked for a stop; null until something did

    public ShutdownSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
        ];
    }

    /// <summary>Whether a stop was asked for.</summary>
    public bool Requested
    {
        get
        {
            lock (_lock)
            {
                return _why is not null;
            }
        }
    }

    /// <summary>Asks for a stop: at once when the host has started, else as soon as it has.</summary>
    public void Request(string why = "a stop request")
    {
        (IHostApplicationLifetime Lifetime, ILogger Logger)? started;
        lock (_lock)
        {
            _why ??= why;
            started = _started;
        }
        if (started is (var lifetime, var logger))
        {
            SignalLog.Stopping(logger, why);
            lifetime.StopApplication();
        }
    }

    /// <summary>Lets stops go to <paramref name="lifetime"/> once the host has started, one asked for already included.</summary>
    public void StopWhenStarted(IHostApplicationLifetime lifetime, ILogger logger) =>
        lifetime.ApplicationStarted.Register(() =>
        {
            string? why;
            lock (_lock)
            {
                _started = (lifetime, logger);
                why = _why;
            }
            if (why is not null)
            {
                // Logged now: the logger may not have existed yet when the signal came.
                SignalLog.StoppingWhenStarted(logger, why);
                lifetime.StopApplication();
            }
        });

    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // No default action (termination): the host stops, and RunAsync returns.
        context.Cancel = true;
        Request(context.Signal.ToString());
    }
}
