using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sidecars.Hosting;

namespace Sidecars.Watcher.StubStatus;

/// <summary>
/// Reads nginx's stub_status every <see cref="StubStatusSettings.Interval"/>, each read bounded by
/// <see cref="StubStatusSettings.Timeout"/>, and keeps the last result for scrapes. Reading on a timer instead
/// of during each scrape means a scrape never waits on nginx (a hung or restarting nginx cannot slow or fail
/// /metrics, and the log-based metrics keep flowing), and nginx sees one read per interval however many
/// Prometheus servers scrape. A failed read (refused, timed out, not 200, too large, not a stub_status page)
/// clears the values, so /metrics shows <c>nginx_up 0</c> and nothing stale, and is logged at most once a minute.
/// </summary>
internal sealed class StubStatusPoller : BackgroundService
{
    /// <summary>stub_status writes about 100 bytes; a larger answer is some other page, and is not read further.</summary>
    public const int MaxResponseBytes = 4096;

    private static readonly TimeSpan LogPeriod = TimeSpan.FromMinutes(1);

    private readonly StubStatusSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _throttle;
    private readonly HttpClient? _http;
    private readonly byte[] _buffer = new byte[MaxResponseBytes + 1];
    private StubStatusValues? _latest;
    private long _readings;
    private long _failuresInARow;

    public StubStatusPoller(StubStatusSettings settings, TimeProvider time, ILogger<StubStatusPoller> logger)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        _throttle = new LogThrottle(time, LogPeriod);
        if (settings.Url is not null)
        {
            _http = new HttpClient(new SocketsHttpHandler
            {
                // The page is in the pod's own network namespace: an HTTP_PROXY in the environment must not reroute it.
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = settings.Timeout,
                MaxResponseHeadersLength = 16, // KiB
            })
            {
                // Each read has its own timeout (below), on the injected clock.
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            _http.DefaultRequestHeaders.UserAgent.ParseAdd("sidecars-watcher");
        }
    }

    /// <summary>False without <c>Watcher:StubStatusUrl</c>: nothing is read or exported.</summary>
    public bool Enabled => _http is not null;

    /// <summary>The values of the last read, or null when it failed or none was made yet.</summary>
    public StubStatusValues? Latest => Volatile.Read(ref _latest);

    /// <summary>How many times <see cref="Latest"/> was replaced.</summary>
    public long Readings => Interlocked.Read(ref _readings);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings.Url is null)
        {
            return;
        }
        StubStatusLog.Reading(_logger, _settings.Url, _settings.Interval.TotalSeconds, _settings.Timeout.TotalSeconds);
        using var timer = new PeriodicTimer(_settings.Interval, _time);
        try
        {
            do
            {
                await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One read, its result kept for scrapes. Throws only when <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task PollOnceAsync(CancellationToken stoppingToken)
    {
        if (_http is null || _settings.Url is null)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        StubStatusValues? values = null;
        string? problem;
        try
        {
            (values, problem) = await ReadAsync(_http, _settings.Url, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            problem = $"no complete answer within {_settings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }
        catch (HttpRequestException e)
        {
            problem = Describe(e);
        }
        catch (IOException)
        {
            problem = "the connection broke while the response was read";
        }
#pragma warning disable CA1031 // A read that fails in any way is nginx_up 0; the loop must go on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            problem = $"{e.GetType().Name}: {e.Message}";
        }
        Keep(values, problem);
    }

    private async Task<(StubStatusValues? Values, string? Problem)> ReadAsync(HttpClient http, Uri url, CancellationToken token)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (null, $"HTTP {(int)response.StatusCode}");
        }
        if (response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            return (null, $"a response of {response.Content.Headers.ContentLength} bytes, more than a stub_status page ({MaxResponseBytes} at most)");
        }
        var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            int length = 0;
            int read;
            while (length < _buffer.Length && (read = await body.ReadAsync(_buffer.AsMemory(length), token).ConfigureAwait(false)) > 0)
            {
                length += read;
            }
            if (length > MaxResponseBytes)
            {
                return (null, $"a response of more than {MaxResponseBytes} bytes, more than a stub_status page");
            }
            return StubStatusParser.TryParse(_buffer.AsSpan(0, length), out var values, out string? problem)
                ? (values, null)
                : (null, "not a stub_status page: " + problem);
        }
    }

    private void Keep(StubStatusValues? values, string? problem)
    {
        Volatile.Write(ref _latest, values);
        Interlocked.Increment(ref _readings);
        var url = _settings.Url!;
        if (problem is null)
        {
            if (_failuresInARow > 0 && _throttle.ShouldLog("stub_status answers again", out _))
            {
                StubStatusLog.ReadsAgain(_logger, url, _failuresInARow);
            }
            _failuresInARow = 0;
            return;
        }
        _failuresInARow++;
        if (_throttle.ShouldLog("stub_status read failed", out long suppressed))
        {
            StubStatusLog.StubStatusReadFailed(_logger, url, problem, suppressed);
        }
    }

    // From the error kinds, not the messages: the AOT build keeps only resource keys for the runtime's messages.
    private static string Describe(HttpRequestException e) =>
        e.InnerException is SocketException socket
            ? $"connection failed ({socket.SocketErrorCode})"
            : e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "the host name does not resolve",
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.ResponseEnded => "the connection closed before a complete response",
                HttpRequestError.InvalidResponse => "not a valid HTTP response",
                HttpRequestError.SecureConnectionError => "the TLS handshake failed",
                HttpRequestError.ConfigurationLimitExceeded => "response headers too large",
                _ => $"HTTP request failed ({e.HttpRequestError})",
            };

    public override void Dispose()
    {
        _http?.Dispose();
        base.Dispose();
    }
}
