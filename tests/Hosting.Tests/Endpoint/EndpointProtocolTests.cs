using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sidecars.Testing;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>The endpoint as scrapers, probes and people use it, over real sockets.</summary>
[Collection(RunningHost.Collection)]
public sealed class EndpointProtocolTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };
    private RunningHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Pipelined_requests_on_one_connection_are_all_answered_in_order()
    {
        using var tcp = await RawHttp.ConnectAsync(_host.Port);
        var stream = tcp.GetStream();

        // Three requests in one write, before reading anything.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" +
            "HEAD /readyz HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n"));

        var health = await RawHttp.ReadResponseAsync(stream);
        var metrics = await RawHttp.ReadResponseAsync(stream);
        var ready = await RawHttp.ReadResponseAsync(stream, head: true);
        var missing = await RawHttp.ReadResponseAsync(stream);
        Assert.Equal((200, "ok\n"), (health.Status, Encoding.UTF8.GetString(health.Body)));
        Assert.Equal(200, metrics.Status);
        Assert.Contains("# TYPE probe_build_info gauge", Encoding.UTF8.GetString(metrics.Body), StringComparison.Ordinal);
        Assert.Equal(200, ready.Status);
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task A_scrape_that_accepts_gzip_gets_a_gzip_body_that_decompresses_to_the_exposition()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _host.Address("/metrics"));
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        using var response = await Http.SendAsync(request);
        byte[] compressed = await response.Content.ReadAsByteArrayAsync();
        string plain = await Http.GetStringAsync(_host.Address("/metrics"));

        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        string decompressed = await new StreamReader(gzip, Encoding.UTF8).ReadToEndAsync();
        // The two scrapes may be two renderings: process_* values move, everything else is the same text.
        Assert.Equal(WithoutProcessSamples(plain), WithoutProcessSamples(decompressed));
        Assert.True(compressed.Length < plain.Length, $"gzip {compressed.Length} bytes, plain {plain.Length}");
    }

    [Fact]
    public async Task Without_Accept_Encoding_or_with_gzip_refused_the_body_is_plain_text()
    {
        using var refused = new HttpRequestMessage(HttpMethod.Get, _host.Address("/metrics"));
        refused.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip;q=0, identity");
        using var response = await Http.SendAsync(refused);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.StartsWith("# HELP", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_landing_page_names_the_service_and_version_and_links_metrics_health_and_readiness()
    {
        using var response = await Http.GetAsync(_host.Address("/"));
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("<h1>probe</h1>", html, StringComparison.Ordinal);
        Assert.Contains(Sidecars.Hosting.BuildInfo.Version, html, StringComparison.Ordinal);
        foreach (string link in new[] { "metrics", "healthz", "readyz" })
        {
            Assert.Contains($"<a href=\"{link}\">/{link}</a>", html, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    [InlineData("/nothing-here")]
    public async Task No_response_carries_a_Server_header(string path)
    {
        using var response = await Http.GetAsync(_host.Address(path));
        Assert.False(response.Headers.Contains("Server"), string.Join(", ", response.Headers.Server));
    }

    [Fact]
    public async Task HEAD_gets_the_headers_of_GET_without_a_body_and_other_methods_get_405()
    {
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, _host.Address("/metrics")));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.True(head.Content.Headers.ContentLength > 0);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        using var delete = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, _host.Address("/metrics")));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
        Assert.Equal(["GET", "HEAD"], delete.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task The_exposition_has_the_standard_process_metrics_and_promtool_finds_nothing_wrong()
    {
        string metrics = await Http.GetStringAsync(_host.Address("/metrics"));

        foreach (var (name, type) in new[]
        {
            ("process_cpu_seconds_total", "counter"), ("process_resident_memory_bytes", "gauge"),
            ("process_virtual_memory_bytes", "gauge"), ("process_start_time_seconds", "gauge"),
            ("process_open_fds", "gauge"), ("process_max_fds", "gauge"),
        })
        {
            Assert.Contains($"# TYPE {name} {type}\n", metrics, StringComparison.Ordinal);
            Assert.True(Exposition.Value(metrics, name) > 0, $"{name} is {Exposition.Value(metrics, name)}");
        }
        double start = Exposition.Value(metrics, "process_start_time_seconds");
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(start, now - 24 * 3600, now + 1);
        Assert.InRange(Exposition.Value(metrics, "process_resident_memory_bytes"), 1e6, Environment.WorkingSet * 2.0);
        Assert.Equal("", await Promtool.CheckMetricsAsync(metrics));
    }

    [Fact]
    public async Task A_connection_that_sends_its_headers_too_slowly_is_closed_by_the_server()
    {
        using var tcp = await RawHttp.ConnectAsync(_host.Port);
        var stream = tcp.GetStream();
        var started = DateTime.UtcNow;
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: x\r\n"));

        // A header byte every second, never the end of the headers.
        var buffer = new byte[4096];
        var read = stream.ReadAsync(buffer).AsTask();
        while (!read.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(20))
        {
            try
            {
                await stream.WriteAsync("X"u8.ToArray());
            }
            catch (IOException)
            {
                break; // closed while we wrote
            }
            await Task.WhenAny(read, Task.Delay(1000));
        }
        var closedAfter = DateTime.UtcNow - started;

        Assert.True(read.IsCompleted, "the slow connection is still open after 20 s");
        // Kestrel's header timeout (5 s) is checked once a second.
        Assert.InRange(closedAfter, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(9));
        int n = await read;
        string answer = Encoding.ASCII.GetString(buffer, 0, n);
        Assert.True(n == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task Headers_larger_than_the_cap_are_refused_with_431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _host.Address("/metrics"));
        request.Headers.TryAddWithoutValidation("X-Big", new string('a', 9000));
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    private static string WithoutProcessSamples(string exposition) =>
        string.Join('\n', exposition.Split('\n').Where(l => !l.StartsWith("process_", StringComparison.Ordinal)));
}
