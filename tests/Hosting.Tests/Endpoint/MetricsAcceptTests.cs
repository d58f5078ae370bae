using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class MetricsAcceptTests
{
    /// <summary>What Prometheus sends with native histograms on (scrape_protocols PrometheusProto first).</summary>
    private const string PrometheusProtobufFirst =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,"
        + "application/openmetrics-text;version=1.0.0;q=0.4,application/openmetrics-text;version=0.0.1;q=0.3,"
        + "text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

    /// <summary>What Prometheus sends by default.</summary>
    private const string PrometheusDefault =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("*/*")]
    [InlineData("text/plain")]
    [InlineData("text/plain;version=0.0.4")]
    [InlineData(PrometheusDefault)]
    [InlineData("application/openmetrics-text;version=1.0.0")]
    // The protobuf type without the message or the delimited encoding is not the exposition served here.
    [InlineData("application/vnd.google.protobuf")]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily")]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text")]
    [InlineData("application/vnd.google.protobuf;proto=other.Message;encoding=delimited")]
    // Refused, or weighed below text.
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0")]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.3,text/plain;q=0.9")]
    public void Scrapers_that_do_not_ask_for_protobuf_get_text(string? accept) =>
        Assert.Equal(MetricsFormat.Text, MetricsAccept.Choose(accept is null ? [] : [accept]));

    [Theory]
    [InlineData(PrometheusProtobufFirst)]
    [InlineData("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited")]
    [InlineData("Application/Vnd.Google.Protobuf; Proto=io.prometheus.client.MetricFamily; Encoding=\"delimited\"; q=1.0")]
    [InlineData("text/plain;q=0.5, application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5")]
    public void Scrapers_that_ask_for_the_delimited_MetricFamily_protobuf_get_it(string accept) =>
        Assert.Equal(MetricsFormat.Protobuf, MetricsAccept.Choose([accept]));

    [Fact]
    public void Each_format_has_its_content_type()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", MetricsAccept.ContentType(MetricsFormat.Text));
        Assert.Equal("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            MetricsAccept.ContentType(MetricsFormat.Protobuf));
    }
}
