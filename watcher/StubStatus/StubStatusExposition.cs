using System.Buffers;
using System.Text;
using Sidecars.Hosting;

namespace Sidecars.Watcher.StubStatus;

/// <summary>
/// Writes a stub_status reading in the Prometheus text format 0.0.4 under nginx-prometheus-exporter's names, so its
/// dashboards and alerts work, with two exceptions: its <c>nginx_http_requests_total</c> is the watcher's log-based
/// counter here, so nginx's own total is <c>nginx_stub_status_requests_total</c>; and <c>nginx_connections_accepted</c>
/// and <c>_handled</c> are typed <c>untyped</c>, not <c>counter</c>, since a counter without <c>_total</c> fails
/// <c>promtool check metrics</c> (node_exporter does the same for the kernel counters whose names it keeps).
/// Without a reading (the last read failed, or none was made yet) only <c>nginx_up 0</c> is written, as the
/// exporter does: no stale values.
/// </summary>
internal static class StubStatusExposition
{
    public static void Write(IBufferWriter<byte> output, StubStatusValues? values)
    {
        var w = new ExpositionWriter(output);
        Write(ref w, values);
        w.Flush();
    }

    private static void Write(ref ExpositionWriter text, StubStatusValues? values)
    {
        text.Family("nginx_up", "gauge", "1 when the last read of nginx's stub_status succeeded, 0 when it failed or none was made yet.", values is null ? 0 : 1);
        if (values is null)
        {
            return;
        }
        text.Family("nginx_connections_active", "gauge", "Open client connections, idle keep-alive ones included (stub_status).", values.Active);
        text.Family("nginx_connections_accepted", "untyped", "Client connections nginx accepted since it started (stub_status; cumulative: use rate()).", values.Accepted);
        text.Family("nginx_connections_handled", "untyped", "Client connections nginx handled since it started, fewer than accepted when it ran out of connections (stub_status; cumulative: use rate()).", values.Handled);
        text.Family("nginx_connections_reading", "gauge", "Connections where nginx is reading the request header (stub_status).", values.Reading);
        text.Family("nginx_connections_writing", "gauge", "Connections where nginx is working on the request or writing the response (stub_status).", values.Writing);
        text.Family("nginx_connections_waiting", "gauge", "Idle keep-alive client connections (stub_status).", values.Waiting);
        text.Family("nginx_stub_status_requests_total", "counter", "Client requests nginx handled since it started, on every server, logged or not, the stub_status reads included (stub_status).", values.Requests);
    }

    public static string ToText(StubStatusValues? values)
    {
        var text = new ArrayBufferWriter<byte>(1024);
        Write(text, values);
        return Encoding.UTF8.GetString(text.WrittenSpan);
    }
}
