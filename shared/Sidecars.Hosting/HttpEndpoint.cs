using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sidecars.Hosting;

/// <summary>
/// The sidecar's only HTTP surface: Kestrel, HTTP/1.1 only, with the limits of
/// <see cref="HttpLimits"/>, the connection cap of <see cref="ConnectionTable"/> and, when the web
/// configuration file asks for them, TLS and basic auth. Binds in <see cref="StartAsync"/>, so a
/// busy port or a foreign address stops the service at start with one line.
/// </summary>
internal sealed class HttpEndpoint(
    IServer server,
    IOptions<KestrelServerOptions> kestrel,
    IOptions<HttpOptions> options,
    EndpointApplication application,
    EndpointSecurity security,
    ConnectionTable connections,
    TimeProvider time,
    ILogger<HttpEndpoint> logger) : IHostedService
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(1);
    private readonly LogThrottle _capLog = new(time, TimeSpan.FromMinutes(1));
    private long _evicted;
    private long _refused;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var http = options.Value;
        var address = http.BindAddress();
        var kestrelOptions = kestrel.Value;
        HttpLimits.Apply(kestrelOptions);
        if (address is null)
        {
            kestrelOptions.ListenAnyIP(http.Port, Configure);
        }
        else
        {
            kestrelOptions.Listen(address, http.Port, Configure);
        }
        try
        {
            await server.StartAsync(application, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            string what = address is null ? $"Http:Port {http.Port}" : $"Http:Address {address} with Http:Port {http.Port}";
            throw new ConfigurationException($"{what} cannot be bound: {(e.InnerException ?? e).Message}", e);
        }
        string scheme = security.Certificates is null ? "http" : "https";
        string auth = security.Authenticator is null ? "" : ", basic auth on all but /healthz and /readyz";
        string tls = security.Certificates is { } certificates ? $", certificate valid until {certificates.NotAfter:u}" : "";
        EndpointLog.Listening(logger, scheme, address is null ? "*" : address.ToString(), http.Port, connections.Capacity, tls + auth);
        if (security.Authenticator is not null && security.Certificates is null)
        {
            EndpointLog.BasicAuthWithoutTls(logger, security.File!);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Requests in progress get a moment to finish; idle and slow connections are closed at once.
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(GracefulStop);
        await server.StopAsync(grace.Token).ConfigureAwait(false);
    }

    private void Configure(ListenOptions listen)
    {
        listen.Protocols = HttpProtocols.Http1;
        // First, so that a TLS handshake in progress holds a slot (and can lose it) like any connection.
        listen.Use(next => connection => HoldSlotAsync(connection, next));
        if (security.Certificates is { } certificates)
        {
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(certificates.HandshakeOptions()),
                HandshakeTimeout = HttpLimits.HandshakeTimeout,
            });
        }
    }

    private async Task HoldSlotAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var slot = connections.Admit(() => connection.Abort(new ConnectionAbortedException("closed for a newer connection at the cap")), out var evicted);
        if (evicted is not null)
        {
            Interlocked.Increment(ref _evicted);
            evicted.Abort();
            ReportCap();
        }
        if (slot is null)
        {
            Interlocked.Increment(ref _refused);
            ReportCap();
            connection.Abort(new ConnectionAbortedException("every connection has a request in progress"));
            return;
        }
        connection.Features.Set(slot);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            slot.Release();
        }
    }

    private void ReportCap()
    {
        if (_capLog.ShouldLog("cap", out _))
        {
            EndpointLog.AtConnectionCap(logger, connections.Count, connections.Capacity,
                Interlocked.Exchange(ref _evicted, 0), Interlocked.Exchange(ref _refused, 0));
        }
    }
}
