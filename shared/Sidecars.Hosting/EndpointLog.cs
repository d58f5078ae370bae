using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>The HTTP endpoint's log lines; their event ids are in <see cref="HostingEvents"/>.</summary>
internal static partial class EndpointLog
{
    [LoggerMessage(HostingEvents.Listening, LogLevel.Information, "Serving /, /metrics, /healthz and /readyz on {Scheme}://{Address}:{Port}, at most {MaxConnections} connections{Security}")]
    public static partial void Listening(ILogger logger, string scheme, string address, int port, int maxConnections, string security);

    [LoggerMessage(HostingEvents.ProbesListening, LogLevel.Information, "Serving /healthz and /readyz for probes on http://{Address}:{Port}")]
    public static partial void ProbesListening(ILogger logger, string address, int port);

    [LoggerMessage(HostingEvents.BasicAuthWithoutTls, LogLevel.Warning, "basic_auth_users without tls_server_config in {File}: passwords cross the network in clear text")]
    public static partial void BasicAuthWithoutTls(ILogger logger, string file);

    [LoggerMessage(HostingEvents.CertificateReloaded, LogLevel.Information, "Read the changed TLS certificate {CertFile} (valid until {NotAfter:u})")]
    public static partial void CertificateReloaded(ILogger logger, string certFile, DateTime notAfter);

    [LoggerMessage(HostingEvents.CertificateReloadFailed, LogLevel.Warning, "The TLS files changed but cannot be used ({Reason}); still serving the previous certificate of {CertFile} (logged once until they change again)")]
    public static partial void CertificateReloadFailed(ILogger logger, string certFile, string reason);

    [LoggerMessage(HostingEvents.CertificateRecovered, LogLevel.Information, "The TLS files can be used again: serving the certificate of {CertFile} (valid until {NotAfter:u})")]
    public static partial void CertificateRecovered(ILogger logger, string certFile, DateTime notAfter);

    [LoggerMessage(HostingEvents.RequestFailed, LogLevel.Debug, "HTTP request failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, string reason);

    [LoggerMessage(HostingEvents.AtConnectionCap, LogLevel.Warning,
        "{Open} connections open, the cap is {Capacity} ({AwaitingHello} waiting for a TLS ClientHello, {Handshakes} in a TLS handshake, at most {MaxHandshakes}; {Closing} closed but not yet ended): {Evicted} stalled, slow or idle connections closed to make room and {Refused} new ones refused since the last message")]
    public static partial void AtConnectionCap(ILogger logger, int open, int capacity, int awaitingHello, int handshakes, int maxHandshakes, int closing, long evicted, long refused);
}
