using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sidecars.Hosting;

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> alone on their own port (<c>Http:ProbePort</c>), served by one
/// dedicated thread rather than the thread pool: plain HTTP, no password, one request per connection.
/// A flood on the metrics port keeps the thread pool busy, and under a CPU limit a probe queued
/// behind that work can wait seconds; the kernel's scheduler gives this thread its turn at once.
/// Bounded like the main port: at most <see cref="MaxClients"/> connections (the oldest gives way),
/// each closed after <see cref="Deadline"/> or <see cref="MaxRequestBytes"/>.
/// </summary>
internal sealed class ProbeListener(IOptions<HttpOptions> options, HealthState health, ILogger<ProbeListener> logger) : IHostedService, IDisposable
{
    internal const int MaxClients = 64;
    internal const int MaxRequestBytes = 2048;
    internal static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    private Socket? _listener;
    private Thread? _thread;
    private volatile bool _stopping;

    private sealed class Client(Socket socket, long started)
    {
        public Socket Socket { get; } = socket;
        public long Started { get; } = started;
        public byte[] Buffer { get; } = new byte[MaxRequestBytes];
        public int Length { get; set; }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var http = options.Value;
        if (http.ProbePort == 0)
        {
            return Task.CompletedTask;
        }
        var address = http.BindAddress();
        var endpoint = new IPEndPoint(address ?? IPAddress.IPv6Any, http.ProbePort);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address is null)
            {
                socket.DualMode = true;
            }
            socket.Bind(endpoint);
            socket.Listen(64);
        }
        catch (SocketException e) when (address is null && e.SocketErrorCode is SocketError.AddressFamilyNotSupported)
        {
            socket.Dispose();
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, http.ProbePort));
            socket.Listen(64);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ConfigurationException($"Http:ProbePort {http.ProbePort} cannot be bound: {e.Message}", e);
        }
        socket.Blocking = false;
        _listener = socket;
        _thread = new Thread(Serve) { IsBackground = true, Name = "probes" };
        _thread.Start();
        EndpointLog.ProbesListening(logger, address is null ? "*" : address.ToString(), http.ProbePort);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _thread?.Join(TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }

    public void Dispose() => _listener?.Dispose();

    private void Serve()
    {
        var listener = _listener!;
        var clients = new List<Client>();
        var readable = new List<Socket>();
        while (!_stopping)
        {
            try
            {
                readable.Clear();
                readable.Add(listener);
                readable.AddRange(clients.Select(c => c.Socket));
                Socket.Select(readable, null, null, 100_000);
                foreach (var socket in readable)
                {
                    if (socket == listener)
                    {
                        Accept(listener, clients);
                    }
                    else if (clients.Find(c => c.Socket == socket) is { } client && Read(client))
                    {
                        Close(client, clients);
                    }
                }
                foreach (var late in clients.Where(c => TimeSpanSince(c.Started) > Deadline).ToList())
                {
                    Close(late, clients);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                EndpointLog.RequestFailed(logger, e.Message);
                Thread.Sleep(10);
            }
        }
        foreach (var client in clients.ToList())
        {
            Close(client, clients);
        }
    }

    private static void Accept(Socket listener, List<Client> clients)
    {
        Socket socket;
        try
        {
            socket = listener.Accept();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted or SocketError.ConnectionReset)
        {
            return; // the client gave up between the readiness and the accept
        }
        socket.Blocking = false;
        socket.NoDelay = true;
        if (clients.Count >= MaxClients)
        {
            Close(clients[0], clients);
        }
        clients.Add(new Client(socket, Environment.TickCount64));
    }

    /// <summary>Reads what arrived; true when the connection is done with (answered, closed or broken).</summary>
    private bool Read(Client client)
    {
        int n;
        try
        {
            n = client.Socket.Receive(client.Buffer, client.Length, client.Buffer.Length - client.Length, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
        if (n == 0)
        {
            return true;
        }
        client.Length += n;
        var request = client.Buffer.AsSpan(0, client.Length);
        if (request.IndexOf("\r\n\r\n"u8) < 0 && request.IndexOf("\n\n"u8) < 0)
        {
            if (client.Length == client.Buffer.Length)
            {
                Send(client.Socket, 431, "request too large\n", head: false);
                return true;
            }
            return false;
        }
        Answer(client.Socket, request);
        return true;
    }

    private void Answer(Socket socket, ReadOnlySpan<byte> request)
    {
        int end = request.IndexOf((byte)'\n');
        string[] line = Encoding.ASCII.GetString(request[..end]).TrimEnd('\r').Split(' ');
        if (line.Length != 3 || !line[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            Send(socket, 400, "bad request\n", head: false);
            return;
        }
        bool head = line[0] == "HEAD";
        if (line[0] != "GET" && !head)
        {
            Send(socket, 405, "method not allowed: GET or HEAD\n", head: false);
            return;
        }
        string path = line[1].Split('?')[0];
        switch (path)
        {
            case "/healthz":
                bool live = health.IsLive;
                Send(socket, live ? 200 : 503, live ? "ok\n" : "main loop is not running\n", head);
                break;
            case "/readyz":
                string? reason = health.NotReadyReason;
                Send(socket, reason is null ? 200 : 503, reason is null ? "ready\n" : reason + "\n", head);
                break;
            default:
                Send(socket, 404, "not found: this port serves /healthz and /readyz\n", head);
                break;
        }
    }

    private static void Send(Socket socket, int status, string body, bool head)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        string reason = status switch
        {
            200 => "OK", 400 => "Bad Request", 404 => "Not Found", 405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large", _ => "Service Unavailable",
        };
        string header = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {bytes.Length}\r\n" +
            (status == 405 ? "Allow: GET, HEAD\r\n" : "") + "Connection: close\r\n\r\n";
        byte[] response = [.. Encoding.ASCII.GetBytes(header), .. head ? [] : bytes];
        try
        {
            // A few hundred bytes always fit the socket's buffer: a client that reads nothing loses them.
            socket.Send(response, SocketFlags.None);
        }
        catch (SocketException)
        {
        }
    }

    private static void Close(Client client, List<Client> clients)
    {
        clients.Remove(client);
        try
        {
            client.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        client.Socket.Dispose();
    }

    private static TimeSpan TimeSpanSince(long tickCount) => TimeSpan.FromMilliseconds(Environment.TickCount64 - tickCount);
}
