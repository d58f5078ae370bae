using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>The log events of the signals that do not stop a sidecar. Event ids 950 to 959 belong to them in both services.</summary>
internal static partial class SignalLog
{
    [LoggerMessage(950, LogLevel.Information, "{Signal} received: ignored")]
    public static partial void Ignored(ILogger logger, string signal);

    [LoggerMessage(951, LogLevel.Information, "{Signal} received while starting: ignored")]
    public static partial void IgnoredWhileStarting(ILogger logger, string signal);

    [LoggerMessage(952, LogLevel.Information, "SIGHUP received: ignored (no tls_server_config to read again)")]
    public static partial void HangupWithoutTls(ILogger logger);

    [LoggerMessage(953, LogLevel.Information, "SIGHUP received: read the TLS files again: {Outcome}")]
    public static partial void HangupReadTlsFiles(ILogger logger, string outcome);
}
