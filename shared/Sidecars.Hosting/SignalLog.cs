using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>The log lines of the signals, those that stop a sidecar and those that do not; their event ids are in <see cref="HostingEvents"/>.</summary>
internal static partial class SignalLog
{
    [LoggerMessage(HostingEvents.Ignored, LogLevel.Information, "{Signal} received: ignored")]
    public static partial void Ignored(ILogger logger, string signal);

    [LoggerMessage(HostingEvents.IgnoredWhileStarting, LogLevel.Information, "{Signal} received while starting: ignored")]
    public static partial void IgnoredWhileStarting(ILogger logger, string signal);

    [LoggerMessage(HostingEvents.HangupWithoutTls, LogLevel.Information, "SIGHUP received: ignored (no tls_server_config to read again)")]
    public static partial void HangupWithoutTls(ILogger logger);

    [LoggerMessage(HostingEvents.HangupReadTlsFiles, LogLevel.Information, "SIGHUP received: read the TLS files again: {Outcome}")]
    public static partial void HangupReadTlsFiles(ILogger logger, string outcome);

    [LoggerMessage(HostingEvents.Stopping, LogLevel.Information, "{Why} received: stopping")]
    public static partial void Stopping(ILogger logger, string why);

    [LoggerMessage(HostingEvents.StoppingWhenStarted, LogLevel.Information, "{Why} received while starting: stopping now that the start is done")]
    public static partial void StoppingWhenStarted(ILogger logger, string why);
}
