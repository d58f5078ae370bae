using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// A stock nginx Deployment plus the watcher-sidecar Component (manifests/examples/stock-nginx, rendered by kustomize):
/// nginx's image and command untouched, its access log sent over syslog to the watcher on the pod's loopback (UDP).
/// Every count is exact against the lines nginx logged to its stdout (the stock image's access.log).
/// </summary>
public sealed partial class SyslogComponentPodTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private PodRunner _pod = null!;
    private NginxClient _nginx = null!;

    private Uri Metrics => new(_pod.Address(9145), "/metrics");

    public async Task InitializeAsync()
    {
        _pod = await PodRunner.StartDeploymentPodAsync("nginx-deployment",
            await Kustomize.RenderObjectsAsync(RepositoryLayout.PathOf("manifests", "examples", "stock-nginx")));
        _nginx = new NginxClient(_pod.Address(80));
        await Eventually.Holds(async () => (await Http.GetAsync(new Uri(_pod.Address(9145), "/readyz"))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the watcher's /readyz");
        await Eventually.Holds(async () => (await Http.GetAsync(_pod.Address(80))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "nginx answering");
        await WaitForTotal(1);
    }

    public async Task DisposeAsync()
    {
        _nginx.Dispose();
        await _pod.DisposeAsync();
    }

    [Fact]
    public async Task Paced_and_under_wrk_the_count_over_syslog_equals_the_lines_nginx_logged_with_nginx_command_untouched()
    {
        // Given the stock Deployment's nginx container, as it was: no command, no args, the stock image
        var nginx = _pod.Spec("nginx");
        Assert.Null(nginx.Command);
        Assert.Null(nginx.Args);
        Assert.Equal("nginx:1.27", nginx.Image);
        string nginxId = _pod.Container("nginx").Id, watcherId = _pod.Container("webwatcher").Id;

        // When a paced load (hey: 500 requests/s over 2 keep-alive connections, 10 s), then wrk at full speed (10 s)
        var paced = await MeasureAsync(nginxId, watcherId, () => NginxLoad.RunAsync("hey", "-z", "10s", "-c", "2", "-q", "250", _pod.Address(80).ToString()));
        string wrk = "";
        var full = await MeasureAsync(nginxId, watcherId, async () => wrk = await NginxLoad.RunAsync("wrk", "-t2", "-c32", "-d10s", _pod.Address(80).ToString()));

        // Then after each, the watcher counted exactly the lines nginx logged; nothing was dropped, malformed or not syslog
        string exposition = await Http.GetStringAsync(Metrics);
        string rps = Regex.Match(wrk, @"Requests/sec:\s+([0-9.]+)").Groups[1].Value;
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"syslog, paced (hey -c2 -q250, 10 s): {paced.Describe()}\n" +
            $"syslog, full (wrk -t2 -c32 -d10s, {rps} requests/s): {full.Describe()}");
        output.WriteLine(figures);
        Assert.True(paced.Requests > 3000, figures);
        Assert.True(full.Requests > 1000, figures);
        Assert.Equal(0, Exposition.Value(exposition, "watcher_messages_dropped_total"));
        Assert.Equal(0, Exposition.Value(exposition, "watcher_messages_not_syslog_total"));
        Assert.Equal(0, Exposition.Value(exposition, "watcher_lines_total", "result=\"malformed\""));
        Assert.Equal(0, Exposition.Value(exposition, "watcher_lines_total", "result=\"too_long\""));
        // And no send of nginx failed
        var (_, nginxErrors) = await _pod.Container("nginx").GetLogsAsync();
        Assert.DoesNotContain("failed", nginxErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watcher_restart_loses_the_lines_sent_while_it_was_down_and_nothing_else()
    {
        // Given 300 requests counted
        var watcher = _pod.Container("webwatcher");
        await _nginx.LoadAsync(300, 2);
        await WaitForTotal(301);

        // When the watcher is stopped, 100 requests are answered meanwhile, and it starts again
        await PodRunner.Docker("stop", "--time", "10", watcher.Id);
        var down = await NginxErrorsAsync();
        await _nginx.LoadAsync(100, 2);
        await PodRunner.Docker("start", watcher.Id);
        await Eventually.Holds(async () => (await Http.GetAsync(new Uri(_pod.Address(9145), "/readyz"))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the restarted watcher's /readyz");
        var back = await NginxErrorsAsync();

        // Then its counters came back from its state, without the 100
        Assert.Equal(301, Exposition.Value(await Http.GetStringAsync(Metrics), "nginx_http_requests_total"));
        // And nginx said so in its error log (UDP: a send after one the kernel refused fails, so about every other one)
        var whileDown = back.Skip(down.Count).ToList();
        output.WriteLine($"nginx's error lines while the watcher was down ({whileDown.Count}): {whileDown.FirstOrDefault()}");
        var kinds = whileDown.Select(l => Regex.Replace(l, @"^\S+ \d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", "")).Select(l => Regex.Replace(l, @"\d+#\d+", "N#N")).Distinct().ToList();
        output.WriteLine("kinds: " + string.Join(" | ", kinds));
        Assert.InRange(whileDown.Count, 1, 100);
        Assert.All(whileDown, l => Assert.Contains("send() failed (111: Connection refused)", l, StringComparison.Ordinal));

        // And of 300 requests after it is back, all are counted but those nginx reports it could not send
        await _nginx.LoadAsync(300, 2);
        var after = (await NginxErrorsAsync()).Skip(back.Count).ToList();
        output.WriteLine($"nginx's error lines after the restart ({after.Count}): {after.FirstOrDefault()}");
        await WaitForTotal(301 + 300 - after.Count);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(301 + 300 - after.Count, Exposition.Value(await Http.GetStringAsync(Metrics), "nginx_http_requests_total"));
    }

    /// <summary>nginx's error log lines (its stderr) about sending to the watcher (not about a request: those name a client).</summary>
    private async Task<List<string>> NginxErrorsAsync()
    {
        var (_, stderr) = await _pod.Container("nginx").GetLogsAsync();
        return [.. stderr.Split('\n').Where(l => SyslogSendError().IsMatch(l))];
    }

    [GeneratedRegex(@"\[(error|alert)\] \d+#\d+: (send|connect|close)\(\)[^,]*$")]
    private static partial Regex SyslogSendError();

    private async Task WaitForTotal(int total, TimeSpan? within = null)
    {
        string exposition = "";
        try
        {
            await Eventually.Holds(async () =>
            {
                exposition = await Http.GetStringAsync(Metrics);
                double seen = Exposition.ValueOrZero(exposition, "nginx_http_requests_total");
                Assert.True(seen <= total, $"counted {seen} requests, more than the {total} sent");
                return seen == total;
            }, within ?? TimeSpan.FromSeconds(30), $"nginx_http_requests_total = {total}");
        }
        catch (TimeoutException e)
        {
            // Say what was counted instead, and what the watcher knows of the difference.
            var lines = exposition.Split('\n').Where(l => l.StartsWith("nginx_http_requests_total", StringComparison.Ordinal) || l.StartsWith("watcher_messages", StringComparison.Ordinal) || l.StartsWith("watcher_lines_total", StringComparison.Ordinal));
            throw new TimeoutException($"{e.Message}; last scrape: {string.Join("; ", lines)}", e);
        }
    }

    private sealed record Phase(int Requests, double Seconds, double WatcherCpuSeconds)
    {
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Requests} requests ({Requests / Seconds:F0}/s), all counted; watcher CPU {WatcherCpuSeconds:F3} s ({1e6 * WatcherCpuSeconds / Requests:F1} µs per line)");
    }

    private async Task<Phase> MeasureAsync(string nginxId, string watcherId, Func<Task> load)
    {
        int before = await NginxLoad.LoggedRequests(nginxId);
        double watcher0 = NginxLoad.ContainerCpuSeconds(watcherId);
        var started = Stopwatch.StartNew();
        await load();
        double seconds = started.Elapsed.TotalSeconds;
        int logged = await NginxLoad.SettledLoggedRequests(nginxId);
        await WaitForTotal(logged, TimeSpan.FromSeconds(60));
        return new Phase(logged - before, seconds, NginxLoad.ContainerCpuSeconds(watcherId) - watcher0);
    }

}
