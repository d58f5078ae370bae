using System.Buffers;

namespace Sidecars.Hosting;

/// <summary>
/// Metrics a service writes in the Prometheus text format (and, asked for it, protobuf) itself, served on <c>/metrics</c> after
/// those of the prometheus-net registry (used where the service must control exactly which values
/// a scrape may see, e.g. the watcher's counters restored from a saved position).
/// </summary>
/// <remarks>
/// A scrape does not call this for itself: the endpoint renders the exposition once into a pooled
/// buffer and serves concurrent scrapes from that rendering (<see cref="ExpositionCache"/>), so the
/// cost of a rendering does not grow with the number of concurrent scrapes. Writing only reads what
/// was published: a source that must read its inputs first does so in <see cref="IScrapeCatchUp"/>.
/// </remarks>
public interface IMetricsSource
{
    /// <summary>The <see cref="Version"/> of a source that cannot tell when its values change.</summary>
    const long Changing = long.MinValue;

    /// <summary>
    /// A number that grows whenever <see cref="WriteTo"/> would write new values (a count of publications, say),
    /// so a rendering is reused while nothing changed and made again as soon as something did. The default,
    /// <see cref="Changing"/>, says the source cannot tell. A source whose values change all the time but may
    /// wait for the next rendering (process CPU and memory) returns a constant.
    /// </summary>
    long Version => Changing;

    /// <summary>Appends complete metric families in the text exposition format 0.0.4, UTF-8 encoded.</summary>
    void WriteTo(IBufferWriter<byte> output);

    /// <summary>
    /// Appends the same families as length-delimited <c>io.prometheus.client.MetricFamily</c> messages, for a
    /// scraper that asked for the protobuf format. The default converts what <see cref="WriteTo"/> writes
    /// (<see cref="ProtobufExposition.FromText(ReadOnlySpan{byte}, IBufferWriter{byte})"/>: counters, gauges and untyped
    /// metrics); a source with histograms, or more to show in protobuf, writes its messages itself.
    /// </summary>
    void WriteProtobufTo(IBufferWriter<byte> output)
    {
        var text = new ArrayBufferWriter<byte>(4096);
        WriteTo(text);
        ProtobufExposition.FromText(text.WrittenSpan, output);
    }
}
