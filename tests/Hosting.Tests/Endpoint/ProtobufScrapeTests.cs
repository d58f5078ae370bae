using System.IO.Compression;
using System.Net;
using Sidecars.Testing;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>Content negotiation on /metrics, over real sockets: text by default, protobuf when asked for.</summary>
[Collection(RunningHost.Collection)]
public sealed class ProtobufScrapeTests : IAsyncLifetime
{
    private const string ProtobufAccept =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,"
        + "application/openmetrics-text;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

    private static readonly HttpClient Http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };
    private RunningHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain;version=0.0.4")]
    [InlineData("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")]
    public async Task A_scrape_without_a_protobuf_Accept_gets_the_text_format(string? accept)
    {
        using var response = await ScrapeAsync(accept, gzip: false);
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("Accept", response.Headers.Vary);
        Assert.StartsWith("# HELP", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE probe_build_info gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_protobuf_scrape_gets_delimited_MetricFamily_messages_with_every_family_and_value_of_the_text()
    {
        using var response = await ScrapeAsync(ProtobufAccept, gzip: false);
        var families = ProtobufSamples.Decode(await response.Content.ReadAsByteArrayAsync());
        string text = await Http.GetStringAsync(_host.Address("/metrics"));

        Assert.Equal("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            response.Content.Headers.ContentType?.ToString());
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(ProtobufSamples.Types(text), ProtobufSamples.Types(families));
        // The two scrapes are two renderings: process_* values move, every other value is the same.
        Assert.Equal(WithoutProcess(ProtobufSamples.Samples(text)), WithoutProcess(ProtobufSamples.Samples(families)));
        var info = families.Single(f => f.Name == "probe_build_info");
        Assert.Equal(1, info.Metric[0].Gauge.Value);
        Assert.Contains(info.Metric[0].Label, l => l.Name == "version" && l.Value == Sidecars.Hosting.BuildInfo.Version);
    }

    [Fact]
    public async Task A_protobuf_scrape_that_accepts_gzip_gets_the_messages_gzip_compressed()
    {
        using var plain = await ScrapeAsync(ProtobufAccept, gzip: false);
        using var compressed = await ScrapeAsync(ProtobufAccept, gzip: true);
        byte[] body = await compressed.Content.ReadAsByteArrayAsync();
        using var unzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var decompressed = new MemoryStream();
        await unzip.CopyToAsync(decompressed);

        Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
        Assert.Equal(plain.Content.Headers.ContentType, compressed.Content.Headers.ContentType);
        Assert.Equal(
            WithoutProcess(ProtobufSamples.Samples(ProtobufSamples.Decode(await plain.Content.ReadAsByteArrayAsync()))),
            WithoutProcess(ProtobufSamples.Samples(ProtobufSamples.Decode(decompressed.ToArray()))));
    }

    [Fact]
    public async Task A_HEAD_with_a_protobuf_Accept_gets_the_protobuf_headers_and_no_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, _host.Address("/metrics"));
        request.Headers.TryAddWithoutValidation("Accept", ProtobufAccept);
        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.google.protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Content.Headers.ContentLength > 0);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<HttpResponseMessage> ScrapeAsync(string? accept, bool gzip)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _host.Address("/metrics"));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        if (gzip)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        }
        var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static SortedDictionary<string, double> WithoutProcess(SortedDictionary<string, double> samples) =>
        new(samples.Where(s => !s.Key.StartsWith("process_", StringComparison.Ordinal)).ToDictionary(), StringComparer.Ordinal);
}
