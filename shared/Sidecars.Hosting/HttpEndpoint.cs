using System.IO.Pipelines;
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
        string handshakes = security.Certificates is null ? "" : $" ({connections.MaxHandshakes} in a TLS handshake)";
        EndpointLog.Listening(logger, scheme, address is null ? "*" : address.ToString(), http.Port, connections.Capacity, handshakes + tls + auth);
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
        bool tls = security.Certificates is not null;
        // First, so that a TLS handshake in progress holds a slot (and can lose it) like any connection.
        listen.Use(next => connection => HoldSlotAsync(connection, tls, next));
        if (security.Certificates is { } certificates)
        {
            listen.Use(next => connection => AwaitClientHelloAsync(connection, next));
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(certificates.HandshakeOptions()),
                HandshakeTimeout = HttpLimits.HandshakeTimeout,
            });
            // After the handshake (a failed one never gets here).
            listen.Use(next => connection =>
            {
                connection.Features.Get<ConnectionSlot>()?.HandshakeDone();
                return next(connection);
            });
        }
    }

    private async Task HoldSlotAsync(ConnectionContext connection, bool tls, ConnectionDelegate next)
    {
        var slot = connections.Admit(() => connection.Abort(new ConnectionAbortedException("closed for a newer connection at the cap")), tls, out var evicted);
        Close(evicted);
        if (slot is null)
        {
            Interlocked.Increment(ref _refused);
            ReportCap();
            connection.Abort(new ConnectionAbortedException("no room at the connection cap"));
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

    /// <summary>
    /// Holds a TLS connection until the first record of its ClientHello has arrived whole, before anything of TLS is
    /// set up for it: until then it holds only the few bytes it sent, in the transport's buffer, and ends cheaply if
    /// it gives way at the cap or does not send the rest within <see cref="HttpLimits.ClientHelloTimeout"/>. Then it
    /// starts its handshake under the handshake cap.
    /// </summary>
    private async Task AwaitClientHelloAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var slot = connection.Features.Get<ConnectionSlot>()!;
        var input = connection.Transport.Input;
        using (var timeout = new CancellationTokenSource(HttpLimits.ClientHelloTimeout))
        using (timeout.Token.UnsafeRegister(static reader => ((PipeReader)reader!).CancelPendingRead(), input))
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                    return; // closed by the client, or for a newer connection
                }
                var received = result.Buffer;
                if (ClientHelloRecord.HasArrived(received))
                {
                    input.AdvanceTo(received.Start); // all of it left for the handshake
                    break;
                }
                input.AdvanceTo(received.Start, received.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return; // the client gave up, or the timeout passed
                }
            }
        }
        if (!slot.HelloReceived(out var evicted))
        {
            Interlocked.Increment(ref _refused);
            ReportCap();
            return;
        }
        Close(evicted);
        await next(connection).ConfigureAwait(false);
    }

    private void Close(ConnectionSlot? evicted)
    {
        if (evicted is not null)
        {
            Interlocked.Increment(ref _evicted);
            evicted.Abort();
            ReportCap();
        }
    }

    private void ReportCap()
    {
        if (_capLog.ShouldLog("cap", out _))
        {
            EndpointLog.AtConnectionCap(logger, connections.Count, connections.Capacity, connections.AwaitingHello, connections.Handshakes,
                connections.MaxHandshakes, connections.Closing,
                Interlocked.Exchange(ref _evicted, 0), Interlocked.Exchange(ref _refused, 0));
        }
    }
}
