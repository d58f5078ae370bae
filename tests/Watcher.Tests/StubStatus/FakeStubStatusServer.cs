using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sidecars.Tests.Watcher.StubStatus;

/// <summary>
/// A loopback HTTP/1.1 server standing in for nginx's stub_status: every request gets the raw bytes of
/// <see cref="Response"/>, or, while it is null, no answer at all until the server is disposed.
/// </summary>
internal sealed class FakeStubStatusServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;

    public FakeStubStatusServer(byte[]? response)
    {
        Response = response;
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/stub_status");
        _accepting = AcceptAsync();
    }

    public Uri Url { get; }

    /// <summary>What every request gets (a whole HTTP response); null: the server reads the request and never answers.</summary>
    public byte[]? Response { get; set; }

    /// <summary>Requests whose headers arrived.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A 200 with nginx's headers and <paramref name="body"/> (<c>Content-Length</c> unless <paramref name="withLength"/> is false).</summary>
    public static byte[] Ok(string body, bool withLength = true) => Answer("200 OK", Encoding.UTF8.GetBytes(body), withLength);

    public static byte[] Answer(string status, byte[] body, bool withLength = true)
    {
        string headers = $"HTTP/1.1 {status}\r\nServer: nginx/1.22.1\r\nContent-Type: text/plain\r\n"
            + (withLength ? $"Content-Length: {body.Length}\r\n" : "")
            + "Connection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(headers), .. body];
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ServeAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = new List<byte>();
                var buffer = new byte[1024];
                while (!EndsWithBlankLine(request))
                {
                    int read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }
                    request.AddRange(buffer.AsSpan(0, read));
                }
                Interlocked.Increment(ref _requests);
                if (Response is not { } response)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                await stream.WriteAsync(response, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private static bool EndsWithBlankLine(List<byte> request) =>
        request.Count >= 4 && request[^4] == '\r' && request[^3] == '\n' && request[^2] == '\r' && request[^1] == '\n';

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _listener.Dispose();
        _stop.Dispose();
    }
}
