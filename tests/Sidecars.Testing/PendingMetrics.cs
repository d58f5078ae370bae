namespace Sidecars.Testing;

/// <summary>
/// Metrics the dashboard and the alerts already use while other branches add them to the services: the
/// watcher's lost lines and the standard process metrics. Tests accept their absence, and hold them to the
/// same checks as any other metric as soon as they exist.
/// </summary>
public static class PendingMetrics
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "watcher_lines_lost_total", "process_cpu_seconds_total", "process_resident_memory_bytes",
    };
}
