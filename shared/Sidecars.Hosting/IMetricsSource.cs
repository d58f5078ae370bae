namespace Sidecars.Hosting;

/// <summary>
/// Metrics a service writes in the Prometheus text format itself, served on <c>/metrics</c> after
/// those of the prometheus-net registry (used where the service must control exactly which values
/// a scrape may see, e.g. the watcher's counters restored from a saved position).
/// </summary>
public interface IMetricsSource
{
    /// <summary>Appends complete metric families in the text exposition format 0.0.4.</summary>
    void WriteTo(Stream output);
}
