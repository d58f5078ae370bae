using System.Diagnostics;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> as manifests/pods02.yaml and its ConfigMap describe it: the watcher reads the stub_status
/// of the real nginx beside it over the pod's loopback (<c>Watcher__StubStatusUrl</c>, 127.0.0.1:8081).
/// </summary>
public sealed class StubStatusPodTests : IAsyncLifetime
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };

    // The watcher reads stub_status every 5 s: two reads and some slack.
    private static readonly TimeSpan Reads = TimeSpan.FromSeconds(30);
    private PodRunner _pod = null!;
    private NginxClient _nginx = null!;

    private Uri Metrics => new(_pod.Address(9145), "/metrics");

    public async Task InitializeAsync()
    {
        _pod = await PodRunner.StartAsync("webserver",
            RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml"));
        _nginx = new NginxClient(_pod.Address(80));
        await Eventually.Holds(async () => (await s_http.GetAsync(new Uri(_pod.Address(9145), "/readyz"))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the watcher's /readyz");
        await Eventually.Holds(async () => (await s_http.GetAsync(_pod.Address(80))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "nginx answering");
    }

    public async Task DisposeAsync()
    {
        _nginx.Dispose();
        await _pod.DisposeAsync();
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds for the page, and returns that page.</summary>
    private async Task<string> ScrapeUntil(Func<string, bool> condition, string what)
    {
        string page = "";
        await Eventually.Holds(async () => condition(page = await s_http.GetStringAsync(Metrics)), Reads, what);
        return page;
    }

    [Fact]
    public async Task After_N_requests_stub_status_counts_them_with_nginx_up_1_and_its_own_reads_stay_out_of_the_log()
    {
        // Given a first reading of nginx's stub_status (the "nginx answering" request is in it)
        string before = await ScrapeUntil(p => Exposition.Value(p, "nginx_up") == 1, "nginx_up 1");
        double requestsBefore = Exposition.Value(before, "nginx_stub_status_requests_total");
        Assert.True(requestsBefore >= 1, $"stub_status total {requestsBefore} before any load");

        // When N requests are sent
        const int N = 60;
        await _nginx.LoadAsync(N, 3);

        // Then a later read counts them all, plus at least that read itself
        string page = await ScrapeUntil(
            p => Exposition.Value(p, "nginx_stub_status_requests_total") >= requestsBefore + N + 1,
            $"nginx_stub_status_requests_total >= {requestsBefore + N + 1}");
        Assert.Equal(1, Exposition.Value(page, "nginx_up"));
        double accepted = Exposition.Value(page, "nginx_connections_accepted");
        double handled = Exposition.Value(page, "nginx_connections_handled");
        Assert.True(accepted > 0, $"accepted {accepted}");
        Assert.InRange(handled, 1, accepted);
        // The read itself is an active connection that nginx is writing to.
        Assert.True(Exposition.Value(page, "nginx_connections_active") >= 1);
        Assert.True(Exposition.Value(page, "nginx_connections_writing") >= 1);
        Assert.Equal("", await Promtool.CheckMetricsAsync(page));

        // And the log-based counter has exactly the requests clients sent: the watcher's reads (two or more by now)
        // are not in the access log it counts
        int sent = 1 + _nginx.Sent;
        string counted = await ScrapeUntil(p => Exposition.Value(p, "nginx_http_requests_total") >= sent, $"nginx_http_requests_total = {sent}");
        Assert.Equal(sent, Exposition.Value(counted, "nginx_http_requests_total"));
        Assert.True(Exposition.Value(counted, "nginx_stub_status_requests_total") >= sent + 2, "nginx's own total counts the reads too");
        string logged = await _pod.ExecAsync("webserver", "cat", "/var/log/nginx/shared/access.log");
        Assert.DoesNotContain("stub_status", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nginx_stopping_gives_nginx_up_0_while_metrics_keep_answering_and_its_return_gives_1()
    {
        await ScrapeUntil(p => Exposition.Value(p, "nginx_up") == 1, "nginx_up 1");
        var nginx = _pod.Container("webserver");

        // When nginx stops (the pod's network namespace stays, the port closes)
        await PodRunner.Docker("stop", "--time", "10", nginx.Id);

        // Then the next read gives nginx_up 0 and drops the values, and every scrape answers at once
        string down = await ScrapeUntil(p => Exposition.Value(p, "nginx_up") == 0, "nginx_up 0");
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            down = await s_http.GetStringAsync(Metrics);
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"a scrape took {slowest.TotalMilliseconds:F0} ms while nginx was down");
        Assert.DoesNotContain("nginx_connections_active", down, StringComparison.Ordinal);
        Assert.Contains("watcher_lines_total", down, StringComparison.Ordinal);
        Assert.Equal("", await Promtool.CheckMetricsAsync(down));

        // When nginx starts again, then nginx_up is 1 again, and the log said what happened (at most once a minute each)
        await PodRunner.Docker("start", nginx.Id);
        await ScrapeUntil(p => Exposition.Value(p, "nginx_up") == 1, "nginx_up 1 after nginx came back");
        var (stdout, _) = await _pod.Container("webwatcher").GetLogsAsync();
        var lines = stdout.Split('\n');
        Assert.InRange(lines.Count(l => l.Contains("stub_status at http://127.0.0.1:8081/stub_status cannot be read: connection failed (ConnectionRefused)", StringComparison.Ordinal)), 1, 2);
        Assert.InRange(lines.Count(l => l.Contains("stub_status at http://127.0.0.1:8081/stub_status answers again", StringComparison.Ordinal)), 1, 2);
    }
}
