using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// What the endpoint answers, for Kestrel without a middleware pipeline: <c>GET</c> and <c>HEAD</c> of
/// <c>/metrics</c> (shared rendering per format: text unless the scraper asks for protobuf; gzip when asked for), <c>/healthz</c>, <c>/readyz</c> and the
/// landing page <c>/</c>. With basic auth configured every path but the two probes needs a user:
/// the kubelet cannot send a password, and the probes answer nothing secret.
/// </summary>
internal sealed class EndpointApplication : IHttpApplication<HttpContext>, IDisposable
{
    /// <summary>The Prometheus text format; Prometheus 3 refuses a scrape without a valid type.</summary>
    public const string MetricsContentType = MetricsAccept.TextContentType;

    private const string TextContentType = "text/plain; charset=utf-8";
    private static readonly byte[] Live = Encoding.UTF8.GetBytes("ok\n");
    private static readonly byte[] NotLive = Encoding.UTF8.GetBytes("main loop is not running\n");
    private static readonly byte[] Ready = Encoding.UTF8.GetBytes("ready\n");
    private static readonly byte[] NotFound = Encoding.UTF8.GetBytes("not found: try /metrics, /healthz or /readyz\n");
    private static readonly byte[] NotAllowed = Encoding.UTF8.GetBytes("method not allowed: GET or HEAD\n");
    private static readonly byte[] Unauthorized = Encoding.UTF8.GetBytes("unauthorized\n");
    private static readonly byte[] Failed = Encoding.UTF8.GetBytes("internal error\n");

    private readonly HealthState _health;
    private readonly ExpositionCache _cache;
    private readonly IScrapeCatchUp[] _catchUps;
    private readonly BasicAuthenticator? _authenticator;
    private readonly ILogger _logger;
    private readonly byte[] _landingPage;
    private readonly string _challenge;
    private readonly SemaphoreSlim _scrapeWrites = new(HttpLimits.ConcurrentScrapeWrites, HttpLimits.ConcurrentScrapeWrites);

    public EndpointApplication(
        string serviceName, HealthState health, ExpositionCache cache, EndpointSecurity security, ILogger logger, IEnumerable<IScrapeCatchUp>? catchUps = null)
    {
        _health = health;
        _cache = cache;
        _catchUps = catchUps?.ToArray() ?? [];
        _authenticator = security.Authenticator;
        _logger = logger;
        _landingPage = LandingPage.Render(serviceName, BuildInfo.Version, SidecarHost.RuntimeDescription);
        _challenge = $"Basic realm=\"{serviceName}\", charset=\"UTF-8\"";
    }

    public HttpContext CreateContext(IFeatureCollection contextFeatures)
    {
        contextFeatures.Get<ConnectionSlot>()?.RequestStarted();
        // Kestrel keeps one context per connection for reuse, as ASP.NET Core's own hosting layer does.
        if (contextFeatures is IHostContextContainer<HttpContext> container)
        {
            if (container.HostContext is DefaultHttpContext reused)
            {
                reused.Initialize(contextFeatures);
                return reused;
            }
            var created = new DefaultHttpContext(contextFeatures);
            container.HostContext = created;
            return created;
        }
        return new DefaultHttpContext(contextFeatures);
    }

    public void DisposeContext(HttpContext context, Exception? exception)
    {
        context.Features.Get<ConnectionSlot>()?.RequestEnded();
        if (context is DefaultHttpContext reusable)
        {
            reusable.Uninitialize();
        }
    }

    public async Task ProcessRequestAsync(HttpContext context)
    {
        var response = context.Response;
        try
        {
            await ServeAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e)
        {
            EndpointLog.RequestFailed(_logger, e.Message);
            if (response.HasStarted)
            {
                context.Abort();
            }
            else
            {
                response.Headers.Clear();
                await WriteAsync(response, StatusCodes.Status500InternalServerError, TextContentType, Failed, head: false).ConfigureAwait(false);
            }
        }
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        bool head = HttpMethods.IsHead(request.Method);
        if (!head && !HttpMethods.IsGet(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            await WriteAsync(response, StatusCodes.Status405MethodNotAllowed, TextContentType, NotAllowed, head: false).ConfigureAwait(false);
            return;
        }
        string path = request.Path.Value ?? "/";
        switch (path)
        {
            case "/healthz":
                bool live = _health.IsLive;
                await WriteAsync(response, live ? 200 : 503, TextContentType, live ? Live : NotLive, head).ConfigureAwait(false);
                return;
            case "/readyz":
                string? reason = _health.NotReadyReason;
                await WriteAsync(response, reason is null ? 200 : 503, TextContentType,
                    reason is null ? Ready : Encoding.UTF8.GetBytes(reason + "\n"), head).ConfigureAwait(false);
                return;
        }
        if (_authenticator is not null
            && !await _authenticator.IsAuthorizedAsync(request.Headers.Authorization, context.Connection.RemoteIpAddress, context.RequestAborted).ConfigureAwait(false))
        {
            response.Headers.WWWAuthenticate = _challenge;
            await WriteAsync(response, StatusCodes.Status401Unauthorized, TextContentType, Unauthorized, head).ConfigureAwait(false);
            return;
        }
        switch (path)
        {
            case "/metrics":
                await ServeMetricsAsync(context, head).ConfigureAwait(false);
                return;
            case "/":
                await WriteAsync(response, 200, "text/html; charset=utf-8", _landingPage, head).ConfigureAwait(false);
                return;
            default:
                await WriteAsync(response, StatusCodes.Status404NotFound, TextContentType, NotFound, head).ConfigureAwait(false);
                return;
        }
    }

    private async Task ServeMetricsAsync(HttpContext context, bool head)
    {
        // The one way a scrape goes: the service reads what its inputs hold now (the watcher: every log to its
        // end, then saves and publishes), the scrape marks what it must be shown, and a rendering that shows it
        // is sent. Scrapes that arrive together share the catch-up and the rendering.
        foreach (var catchUp in _catchUps)
        {
            await catchUp.CatchUpAsync(context.RequestAborted).ConfigureAwait(false);
        }
        var wanted = _cache.Mark();
        // A burst of scrapes queues here at the cost of a connection each; the CPU and the response
        // buffers go to a few at a time, and a probe on another connection is answered meanwhile.
        await _scrapeWrites.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(HttpLimits.ScrapeWriteTimeout);
            try
            {
                await WriteMetricsAsync(context, head, wanted, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                context.Abort(); // a client too slow to take the response in time
            }
        }
        finally
        {
            _scrapeWrites.Release();
        }
    }

    private async Task WriteMetricsAsync(HttpContext context, bool head, Freshness wanted, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var format = MetricsAccept.Choose(context.Request.Headers.Accept);
        var rendering = await _cache.AcquireAsync(format, wanted, cancellationToken).ConfigureAwait(false);
        try
        {
            bool gzip = AcceptEncoding.AcceptsGzip(context.Request.Headers.AcceptEncoding);
            var body = gzip ? rendering.Gzipped() : rendering.Body;
            response.StatusCode = 200;
            response.ContentType = MetricsAccept.ContentType(format);
            response.Headers.Vary = "Accept, Accept-Encoding";
            if (gzip)
            {
                response.Headers.ContentEncoding = "gzip";
            }
            response.ContentLength = body.Length;
            if (head)
            {
                return;
            }
            // Piece by piece, each write waiting for the client: a slow reader holds at most
            // HttpLimits.MaxResponseBufferBytes of its own, the rendering itself is shared.
            foreach (var chunk in body.Chunks)
            {
                for (int at = 0; at < chunk.Length; at += PooledBuffer.ChunkSize)
                {
                    var piece = chunk.Slice(at, Math.Min(PooledBuffer.ChunkSize, chunk.Length - at));
                    var result = await response.BodyWriter.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
                    if (result.IsCanceled || result.IsCompleted)
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            rendering.Release();
        }
    }

    public void Dispose() => _scrapeWrites.Dispose();

    private static async Task WriteAsync(HttpResponse response, int status, string contentType, byte[] body, bool head)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        if (!head)
        {
            await response.Body.WriteAsync(body).ConfigureAwait(false);
        }
    }
}
