using System.Net.Sockets;
using System.Text;

namespace Sidecars.Tests.Pods;

/// <summary>Sends requests to the pod's nginx and remembers, per method and status, what nginx answered.</summary>
internal sealed class NginxClient(Uri address) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 16 })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(10),
    };
    private readonly Dictionary<(string Method, int Status), int> _answered = [];
    private readonly Lock _lock = new();
    private int _sent;

    /// <summary>Every request sent and answered so far.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>How many requests got each (method label, status).</summary>
    public IReadOnlyDictionary<(string Method, int Status), int> Answered
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<(string, int), int>(_answered);
            }
        }
    }

    public async Task<int> SendAsync(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("hello");
        }
        using var response = await _http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        Record(method, (int)response.StatusCode);
        return (int)response.StatusCode;
    }

    /// <summary>Sends raw bytes as a request (for request lines HttpClient refuses to send) and returns nginx's status.</summary>
    public async Task<int> SendRawAsync(string requestText, string methodLabel)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_http.BaseAddress!.Host, _http.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(requestText));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        string statusLine = await reader.ReadLineAsync() ?? "";
        await reader.ReadToEndAsync(); // nginx closes after an error response
        int status = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Record(methodLabel, status);
        return status;
    }

    /// <summary>Sends <paramref name="count"/> GETs with a few in flight at once; calls <paramref name="at"/> after each.</summary>
    public async Task LoadAsync(int count, int concurrency, Func<int, Task>? at = null)
    {
        int next = 0;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= count)
            {
                await SendAsync("GET", i % 10 == 0 ? "/missing" : "/");
                if (at is not null)
                {
                    await at(i);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Worker()));
    }

    private void Record(string method, int status)
    {
        lock (_lock)
        {
            _answered[(method, status)] = _answered.GetValueOrDefault((method, status)) + 1;
        }
        Interlocked.Increment(ref _sent);
    }

    public void Dispose() => _http.Dispose();
}
