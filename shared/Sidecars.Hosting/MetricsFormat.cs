namespace Sidecars.Hosting;

/// <summary>The formats <c>/metrics</c> answers in; each has its own shared rendering.</summary>
public enum MetricsFormat
{
    /// <summary>The Prometheus text format 0.0.4: the default, for any scraper that does not ask for another.</summary>
    Text,
    /// <summary>Length-delimited <c>io.prometheus.client.MetricFamily</c> messages: what Prometheus asks for to scrape native histograms.</summary>
    Protobuf,
}
