using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// The signals that must not stop a sidecar, caught from the first line of <see cref="SidecarHost.RunAsync"/> on, beside
/// <see cref="ShutdownSignals"/>: SIGHUP reads the web configuration's TLS files again at once (as exporters do on
/// SIGHUP; the files are also checked once a second at a handshake), and SIGUSR1, SIGUSR2 and SIGALRM are logged and
/// otherwise ignored.
/// </summary>
/// <remarks>
/// The default action of these four is to end the process at once, without a line or a clean stop (exit 129 to
/// 142), when it is not PID 1; PID 1 ignores signals it does not catch, so the same sidecar behaved differently with
/// and without <c>shareProcessNamespace</c> or an init. SIGUSR1, SIGUSR2 and SIGALRM have no <see cref="PosixSignal"/>
/// name: they are passed by number, which .NET accepts as a raw signal on Unix (10, 12 and 14 on Linux, x64 and arm64
/// alike, the only platforms the images are built for).
/// </remarks>
internal sealed class NonStopSignals : IDisposable
{
    private const PosixSignal SigUsr1 = (PosixSignal)10, SigUsr2 = (PosixSignal)12, SigAlrm = (PosixSignal)14;
    private const int MaxEarly = 16;
    private readonly Lock _lock = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly List<PosixSignal> _early = []; // received before the host had started, logged once it has
    private ILogger? _logger;
    private ServerCertificates? _certificates;

    public NonStopSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
            PosixSignalRegistration.Create(SigUsr1, OnSignal),
            PosixSignalRegistration.Create(SigUsr2, OnSignal),
            PosixSignalRegistration.Create(SigAlrm, OnSignal),
        ];
    }

    /// <summary>Handles the signals with the host's logger and TLS files once <paramref name="services"/>' host has started.</summary>
    public void HandleWhenStarted(IServiceProvider services) =>
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<NonStopSignals>();
            var certificates = services.GetRequiredService<EndpointSecurity>().Certificates;
            List<PosixSignal> early;
            lock (_lock)
            {
                _logger = logger;
                _certificates = certificates;
                early = [.. _early];
                _early.Clear();
            }
            foreach (var signal in early)
            {
                SignalLog.IgnoredWhileStarting(logger, Name(signal));
            }
        });

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // No default action (termination).
        context.Cancel = true;
        ILogger? logger;
        ServerCertificates? certificates;
        lock (_lock)
        {
            logger = _logger;
            certificates = _certificates;
            if (logger is null)
            {
                if (_early.Count < MaxEarly)
                {
                    _early.Add(context.Signal);
                }
                return;
            }
        }
        if (context.Signal != PosixSignal.SIGHUP)
        {
            SignalLog.Ignored(logger, Name(context.Signal));
        }
        else if (certificates is null)
        {
            SignalLog.HangupWithoutTls(logger);
        }
        else
        {
            SignalLog.HangupReadTlsFiles(logger, certificates.CheckNow() switch
            {
                ServerCertificates.Outcome.Reloaded => "a new certificate is served",
                ServerCertificates.Outcome.Rejected => "they cannot be used, the previous certificate is still served",
                _ => "unchanged",
            });
        }
    }

    private static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => "SIGHUP",
        SigUsr1 => "SIGUSR1",
        SigUsr2 => "SIGUSR2",
        SigAlrm => "SIGALRM",
        _ => $"signal {(int)signal}",
    };
}
