using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Sidecars.Hosting;

/// <summary>
/// The limits that keep the endpoint alive on a hostile pod network. Prometheus and the kubelet need
/// a handful of connections and send requests of a few hundred bytes; the connection cap follows
/// the memory the process may use, so that a full table of connections at their worst still fits.
/// The figures behind them are in docs/http-endpoint.md ("Limits").
/// </summary>
internal static class HttpLimits
{
    /// <summary>
    /// Memory set aside per connection when sizing the cap: a connection at its worst (8 KiB of
    /// headers held as strings, a read block and Kestrel's objects) takes about 30 KiB.
    /// </summary>
    public const int BytesPerConnection = 48 * 1024;

    /// <summary>
    /// The same with TLS: an idle TLS connection holds OpenSSL's state besides (about 45 KiB in all, measured), one
    /// stalled in its handshake up to about 80 KiB (SslStream's buffer for a 16 KiB record, then OpenSSL's state).
    /// </summary>
    public const int BytesPerTlsConnection = 96 * 1024;

    /// <summary>The fewest and the most connections the cap allows, whatever the memory.</summary>
    public const int MinConnections = 128, MaxConnections = 4096;

    /// <summary>/metrics responses written at once; more wait their turn, holding no buffer.</summary>
    public const int ConcurrentScrapeWrites = 16;

    /// <summary>Time to write one /metrics response (Prometheus' default scrape timeout); then the connection is closed.</summary>
    public static readonly TimeSpan ScrapeWriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Time to send the request line and headers once a request has begun; then the connection is closed.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Time an idle keep-alive connection is kept (longer than Prometheus' usual 15 to 60 s between scrapes).</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(75);

    /// <summary>Time to send the first record of the TLS ClientHello whole; then the connection is closed.</summary>
    public static readonly TimeSpan ClientHelloTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Time to finish a TLS handshake once the ClientHello is in; then the connection is closed.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Request line (method, path and query) at most.</summary>
    public const int MaxRequestLineBytes = 4 * 1024;

    /// <summary>All request headers together at most (more: 431).</summary>
    public const int MaxRequestHeaderBytes = 8 * 1024;

    /// <summary>Request headers at most (more: 431).</summary>
    public const int MaxRequestHeaderCount = 32;

    /// <summary>Unprocessed request bytes buffered per connection (pipelined requests wait in the socket beyond it).</summary>
    public const int MaxRequestBufferBytes = 16 * 1024;

    /// <summary>Response bytes buffered per connection before the writer waits for the client to read.</summary>
    public const int MaxResponseBufferBytes = 32 * 1024;

    /// <summary>Connections the kernel queues before they are accepted.</summary>
    public const int Backlog = 1024;

    /// <summary>
    /// The connection cap for a process that may use <paramref name="memoryBudgetBytes"/> (the GC's
    /// budget: 75 % of a container's memory limit): one connection per <see cref="BytesPerConnection"/>,
    /// so 2,048 for the watcher's 128 MiB and 1,024 for the writer's 64 MiB; with <paramref name="tls"/> one
    /// per <see cref="BytesPerTlsConnection"/>, half as many.
    /// </summary>
    public static int ConnectionCapFor(long memoryBudgetBytes, bool tls = false) =>
        (int)Math.Clamp(memoryBudgetBytes / (tls ? BytesPerTlsConnection : BytesPerConnection), MinConnections, MaxConnections);

    /// <summary>
    /// TLS handshakes in progress at once for a cap of <paramref name="connectionCap"/>: a quarter of it, 256 for the
    /// watcher's 1,024 TLS connections. A real client finishes its handshake within a round trip or two; the cap is
    /// for clients that start handshakes and stall, each holding buffers and OpenSSL's state until the timeout.
    /// </summary>
    public static int HandshakeCapFor(int connectionCap) => Math.Max(1, connectionCap / 4);

    /// <summary>Applies the limits to Kestrel.</summary>
    public static void Apply(KestrelServerOptions options)
    {
        options.AddServerHeader = false;
        options.AllowSynchronousIO = false;
        var limits = options.Limits;
        limits.MaxConcurrentConnections = null; // the ConnectionTable caps, evicting rather than refusing
        limits.MaxConcurrentUpgradedConnections = 0;
        limits.MaxRequestBodySize = 0; // GET and HEAD only
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.MaxRequestLineSize = MaxRequestLineBytes;
        limits.MaxRequestHeadersTotalSize = MaxRequestHeaderBytes;
        limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
        limits.MaxRequestBufferSize = MaxRequestBufferBytes;
        limits.MaxResponseBufferSize = MaxResponseBufferBytes;
        // MinResponseDataRate keeps Kestrel's default: a client that reads under 240 bytes/s after a 5 s grace is dropped.
    }

    /// <summary>Applies the limits to the socket transport.</summary>
    public static void Apply(SocketTransportOptions options)
    {
        options.Backlog = Backlog;
        options.MaxReadBufferSize = MaxRequestBufferBytes;
        options.MaxWriteBufferSize = MaxResponseBufferBytes;
        options.WaitForDataBeforeAllocatingBuffer = true; // an idle connection holds no buffer
        // A request runs on the socket thread that read it, and a response is sent from the thread that wrote it
        // (with InlineSocketCompletions): a scrape wakes one thread instead of several. Nothing on the request path
        // blocks: bcrypt runs on its own thread, and a scrape awaits the service's catch-up.
        options.UnsafePreferInlineScheduling = true;
    }

    /// <summary>The runtime's switch that runs socket completions on the socket thread rather than the thread pool.</summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns <see cref="InlineSocketCompletions"/> on unless the environment says otherwise. Must run before the
    /// first asynchronous socket operation: the runtime reads the switch once.
    /// </summary>
    public static void PreferInlineSocketCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
        }
    }
}
