using Sidecars.Testing;
using Sidecars.Watcher.StubStatus;

namespace Sidecars.Tests.Watcher.StubStatus;

/// <summary>The stub_status families: nginx-prometheus-exporter's names, types promtool accepts, nothing stale.</summary>
public sealed class StubStatusExpositionTests
{
    private static readonly StubStatusValues Busy = new(21, 92, 92, 81198, 0, 1, 20);

    [Fact]
    public void Every_value_is_written_under_the_exporters_name_but_the_request_total()
    {
        string text = StubStatusExposition.ToText(Busy);
        Assert.Equal(
            [
                "nginx_up 1", "nginx_connections_active 21", "nginx_connections_accepted 92", "nginx_connections_handled 92",
                "nginx_connections_reading 0", "nginx_connections_writing 1", "nginx_connections_waiting 20",
                "nginx_stub_status_requests_total 81198",
            ],
            text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')));
    }

    [Fact]
    public void Types_are_gauges_for_what_is_open_now_and_never_a_counter_without_total()
    {
        var types = StubStatusExposition.ToText(Busy).Split('\n')
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[2], p => p[3]);
        Assert.Equal("gauge", types["nginx_up"]);
        Assert.All(new[] { "active", "reading", "writing", "waiting" }, s => Assert.Equal("gauge", types[$"nginx_connections_{s}"]));
        // Cumulative, but a counter must end in _total: untyped keeps the exporter's names and passes promtool.
        Assert.Equal("untyped", types["nginx_connections_accepted"]);
        Assert.Equal("untyped", types["nginx_connections_handled"]);
        Assert.Equal("counter", types["nginx_stub_status_requests_total"]);
        Assert.All(types.Keys, name => Assert.Contains($"# HELP {name} ", StubStatusExposition.ToText(Busy), StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_reading_only_nginx_up_0_is_written()
    {
        Assert.Equal(
            ["nginx_up 0"],
            StubStatusExposition.ToText(null).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')));
    }

    [Fact]
    public async Task Promtool_accepts_both_states()
    {
        Assert.Equal("", await Promtool.CheckMetricsAsync(StubStatusExposition.ToText(Busy)));
        Assert.Equal("", await Promtool.CheckMetricsAsync(StubStatusExposition.ToText(null)));
        Assert.Equal("", await Promtool.CheckMetricsAsync(StubStatusExposition.ToText(new StubStatusValues(long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue, 0, 0, 0))));
    }
}
