using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Sidecars.Hosting;

/// <summary>
/// The sidecar's only HTTP surface: <c>GET /metrics</c> (Prometheus text format), <c>GET /healthz</c>
/// (liveness) and <c>GET /readyz</c> (readiness). Built on <see cref="HttpListener"/>, which keeps the
/// Native AOT binary small; the port is bound in <see cref="StartAsync"/> so a busy port stops the
/// service at start.
/// </summary>
internal sealed partial class HttpEndpoint(
    IOptions<HttpOptions> options,
    CollectorRegistry registry,
    HealthState health,
    IEnumerable<IMetricsSource> sources,
    ILogger<HttpEndpoint> logger) : BackgroundService
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";
    private readonly HttpListener _listener = new();
    private readonly IMetricsSource[] _sources = sources.ToArray();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        int port = options.Value.Port;
        _listener.Prefixes.Add($"http://+:{port}/");
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new ConfigurationException($"Http:Port {port} cannot be bound: {e.Message}", e);
        }
        Log.Listening(logger, port);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var registration = stoppingToken.Register(_listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpListenerException e)
            {
                Log.AcceptFailed(logger, e.Message);
                continue;
            }
            _ = Task.Run(() => Serve(context), CancellationToken.None);
        }
    }

    private async Task Serve(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            string path = context.Request.Url?.AbsolutePath ?? "/";
            bool head = context.Request.HttpMethod == "HEAD";
            if (context.Request.HttpMethod != "GET" && !head)
            {
                response.StatusCode = 405;
                response.AddHeader("Allow", "GET, HEAD");
                await WriteText(response, "method not allowed\n", head).ConfigureAwait(false);
                return;
            }
            switch (path)
            {
                case "/metrics":
                    await WriteMetrics(response, head).ConfigureAwait(false);
                    break;
                case "/healthz":
                    response.StatusCode = health.IsLive ? 200 : 503;
                    await WriteText(response, health.IsLive ? "ok\n" : "main loop is not running\n", head).ConfigureAwait(false);
                    break;
                case "/readyz":
                    string? reason = health.NotReadyReason;
                    response.StatusCode = reason is null ? 200 : 503;
                    await WriteText(response, reason is null ? "ready\n" : reason + "\n", head).ConfigureAwait(false);
                    break;
                default:
                    response.StatusCode = 404;
                    await WriteText(response, "not found: try /metrics, /healthz or /readyz\n", head).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e)
        {
            Log.ServeFailed(logger, e.Message);
            try { response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    private async Task WriteMetrics(HttpListenerResponse response, bool head)
    {
        using var buffer = new MemoryStream(16 * 1024);
        await registry.CollectAndExportAsTextAsync(buffer).ConfigureAwait(false);
        foreach (var source in _sources)
        {
            source.WriteTo(buffer);
        }
        response.StatusCode = 200;
        response.ContentType = TextFormat;
        response.ContentLength64 = buffer.Length;
        if (!head)
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(response.OutputStream).ConfigureAwait(false);
        }
        response.Close();
    }

    private static async Task WriteText(HttpListenerResponse response, string text, bool head)
    {
        byte[] body = Encoding.UTF8.GetBytes(text);
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength64 = body.Length;
        if (!head)
        {
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        }
        response.Close();
    }

    public override void Dispose()
    {
        _listener.Close();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Serving /metrics, /healthz and /readyz on port {Port}")]
        public static partial void Listening(ILogger logger, int port);

        [LoggerMessage(Level = LogLevel.Warning, Message = "HTTP accept failed: {Reason}")]
        public static partial void AcceptFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "HTTP request failed: {Reason}")]
        public static partial void ServeFailed(ILogger logger, string reason);
    }
}
