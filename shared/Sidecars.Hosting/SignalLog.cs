using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>The log lines of the signals that do not stop a sidecar; their event ids are in <see cref="HostingEvents"/>.</summary>
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
}
