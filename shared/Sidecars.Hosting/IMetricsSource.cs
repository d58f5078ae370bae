using System.Buffers;

namespace Sidecars.Hosting;

/// <summary>
/// Metrics a service writes in the Prometheus text format itself, served on <c>/metrics</c> after
/// those of the prometheus-net registry (used where the service must control exactly which values
/// a scrape may see, e.g. the watcher's counters restored from a saved position).
/// </summary>
/// <remarks>
/// A scrape does not call this for itself: the endpoint renders the exposition once into a pooled
/// buffer and serves concurrent scrapes from that rendering (<see cref="ExpositionCache"/>), so the
/// cost of a rendering does not grow with the number of concurrent scrapes.
/// </remarks>
public interface IMetricsSource
{
    /// <summary>Appends complete metric families in the text exposition format 0.0.4, UTF-8 encoded.</summary>
    void WriteTo(IBufferWriter<byte> output);
}
