using System.Globalization;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// The traffic and exactness checks of the pods02 tests (WatcherPodTests), for any pod that runs nginx and the
/// watcher on the shared log: a derived class says how to start its pod and where nginx listens; every count is
/// exact.
/// </summary>
public abstract partial class WatcherPodScenarios : IAsyncLifetime
{
    protected const string Log = "/var/log/nginx/shared/access.log";
    protected static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    protected PodRunner Pod { get; private set; } = null!;

    internal NginxClient Nginx { get; private set; } = null!;

    /// <summary>nginx's containerPort: 80, or 8080 for a non-root nginx.</summary>
    protected abstract int HttpPort { get; }

    protected abstract Task<PodRunner> StartPodAsync();

    protected Uri Metrics => new(Pod.Address(9145), "/metrics");

    public async Task InitializeAsync()
    {
        Pod = await StartPodAsync();
        Nginx = new NginxClient(Pod.Address(HttpPort));
        await Eventually.Holds(async () => (await Http.GetAsync(new Uri(Pod.Address(9145), "/readyz"))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the watcher's /readyz");
        await Eventually.Holds(async () => (await Http.GetAsync(Pod.Address(HttpPort))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "nginx answering");
        // That probe was a request too: wait until the watcher has counted it, then start from a known total.
        await WaitForTotal(1);
    }

    public async Task DisposeAsync()
    {
        Nginx.Dispose();
        await Pod.DisposeAsync();
    }

    [Fact]
    public async Task A_fixed_mix_of_requests_shows_exactly_those_counts_per_method_and_status_and_bytes()
    {
        // Given a large file to serve (written as root: a non-root nginx cannot write its html folder)
        await PodRunner.Docker("exec", "-u", "0", Pod.Container("webserver").Id, "sh", "-c", "head -c 1048576 /dev/zero > /usr/share/nginx/html/large.bin && chmod 644 /usr/share/nginx/html/large.bin");

        // When a fixed mix of requests is sent
        for (int i = 0; i < 5; i++) { Assert.Equal(200, await Nginx.SendAsync("GET", "/")); }
        for (int i = 0; i < 3; i++) { Assert.Equal(404, await Nginx.SendAsync("GET", "/missing")); }
        for (int i = 0; i < 2; i++) { Assert.Equal(405, await Nginx.SendAsync("POST", "/")); }
        for (int i = 0; i < 2; i++) { Assert.Equal(200, await Nginx.SendAsync("HEAD", "/")); }
        for (int i = 0; i < 2; i++) { Assert.Equal(200, await Nginx.SendAsync("GET", "/large.bin")); }
        Assert.Equal(405, await Nginx.SendAsync("DELETE", "/"));
        // A method nginx does not know, and a request line that is not HTTP at all.
        Assert.Equal(405, await Nginx.SendRawAsync("PROPFIND / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "other"));
        Assert.Equal(400, await Nginx.SendRawAsync("GARBAGE\r\n\r\n", "other"));

        // Then the watcher shows exactly those counts
        int total = 1 + Nginx.Sent;
        string exposition = await WaitForTotal(total);
        foreach (var ((method, status), count) in Nginx.Answered)
        {
            double expected = count + (method == "GET" && status == 200 ? 1 : 0); // + the start-up probe
            Assert.Equal(expected, Exposition.Value(exposition, "nginx_http_requests_total", $"method=\"{method}\"", $"status=\"{status}\""));
        }

        // And the byte counters match what nginx logged
        var logged = (await Pod.ExecAsync("webserver", "cat", Log)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(total, logged.Length);
        long Sum(string field) => logged.Sum(l => long.Parse(LoggedField().Match(l).Groups[field].Value, CultureInfo.InvariantCulture));
        long bodyBytes = Sum("body");
        Assert.True(bodyBytes > 2 * 1048576, $"body bytes {bodyBytes}");
        Assert.Equal(bodyBytes, Exposition.Value(exposition, "nginx_http_response_body_bytes_total"));
        Assert.Equal(Sum("sent"), Exposition.Value(exposition, "nginx_http_response_bytes_total"));
        Assert.Equal(Sum("rl"), Exposition.Value(exposition, "nginx_http_request_bytes_total"));
        Assert.Equal(total, Exposition.Value(exposition, "nginx_http_request_duration_seconds_count"));
        Assert.Equal(0, Exposition.Value(exposition, "watcher_lines_total", "result=\"malformed\""));
    }

    [Fact]
    public async Task The_scraped_exposition_passes_promtool_check_metrics()
    {
        await Nginx.LoadAsync(50, 2);
        string exposition = await WaitForTotal(1 + Nginx.Sent);
        Assert.Equal("", await Promtool.CheckMetricsAsync(exposition));
    }

    [Fact]
    public async Task Rename_and_reopen_under_traffic_keeps_the_count_exact()
    {
        // Given traffic flowing, when the log is renamed and nginx reopens it twice while requests go on
        // (as the container's user: the rotation script does the same)
        await Nginx.LoadAsync(1500, 4, async i =>
        {
            if (i is 400 or 1000)
            {
                await Pod.ExecAsync("webserver", "sh", "-c", $"mv {Log} {Log}.1 && nginx -s reopen");
            }
        });

        // Then every request is counted exactly once, and each rotation once
        string exposition = await WaitForTotal(1 + Nginx.Sent);
        AssertRotations(exposition, renamed: 2, truncated: 0, recreated: 0);
        await AssertStaysAt(1 + Nginx.Sent);
    }

    [Fact]
    public async Task Copytruncate_under_traffic_keeps_the_count_exact()
    {
        // copytruncate loses, in logrotate itself, what nginx writes between the copy and the truncate:
        // the truncation happens at a moment without a request in flight; traffic goes on around it.
        await Nginx.LoadAsync(600, 4);
        await WaitForTotal(1 + Nginx.Sent);
        await Pod.ExecAsync("webserver", "sh", "-c", $"cp {Log} {Log}.1 && truncate -s 0 {Log}");
        await Nginx.LoadAsync(600, 4);

        string exposition = await WaitForTotal(1 + Nginx.Sent);
        AssertRotations(exposition, renamed: 0, truncated: 1, recreated: 0);
        await AssertStaysAt(1 + Nginx.Sent);
    }

    [Fact]
    public async Task Restarting_the_watcher_under_traffic_loses_nothing_and_counts_nothing_twice()
    {
        // Given a scraper reading the request total all along
        var watcher = Pod.Container("webwatcher");
        await using var scraper = ScrapeRecorder.Start(Http, Metrics, "nginx_http_requests_total");
        TimeSpan killed = default, startedAgain = default, restarted = default;
        var crashed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // When the watcher crashes and later restarts cleanly while requests go on
        await Nginx.LoadAsync(1500, 2, async i =>
        {
            if (i == 400)
            {
                // A crash: SIGKILL, then the kubelet starts the container again (a sidecar too).
                killed = scraper.Now;
                await PodRunner.Docker("kill", "--signal", "KILL", watcher.Id);
                await PodRunner.Docker("start", watcher.Id);
                startedAgain = scraper.Now;
                crashed.SetResult();
            }
            else if (i == 1000)
            {
                // A clean restart: SIGTERM, once the watcher started after the crash has answered a scrape (on a
                // fast machine the other client gets from request 400 to 1000 before it has even started).
                await crashed.Task;
                await Eventually.Holds(() => scraper.AnsweredSince(startedAgain) > 0, TimeSpan.FromSeconds(30), "a scrape answered after the crash");
                restarted = scraper.Now;
                await PodRunner.Docker("restart", "--time", "10", watcher.Id);
            }
        });
        string exposition = await WaitForTotal(1 + Nginx.Sent, TimeSpan.FromSeconds(60));
        // (the scraper, one request at a time, may still be waiting on a connection to the stopped process)
        await Eventually.Holds(() => scraper.AnsweredSince(restarted) > 0, TimeSpan.FromSeconds(30), "a scrape answered after the restart");
        var samples = await scraper.StopAsync();

        // Then no scrape, before, between or after the restarts, showed fewer requests than one before it
        Assert.True(ScrapeRecorder.Answered(samples, TimeSpan.Zero, killed) > 0, "no scrape answered before the kill");
        Assert.True(ScrapeRecorder.Answered(samples, killed, restarted) > 0, "no scrape answered between the kill and the restart");
        Assert.True(ScrapeRecorder.Answered(samples, restarted, TimeSpan.MaxValue) > 0, "no scrape answered after the restart");
        ScrapeRecorder.AssertNeverDecreases(samples);
        // And nothing is lost or counted twice, and a restart is no rotation
        AssertRotations(exposition, renamed: 0, truncated: 0, recreated: 0);
        await AssertStaysAt(1 + Nginx.Sent);
        // And SIGTERM stopped it cleanly: one stop line (the killed process wrote none), not a kill by Docker when its
        // 10 s were up (EarlySignalBinaryTests sends it while the process is still starting)
        var (stdout, stderr) = await watcher.GetLogsAsync();
        Assert.Equal(1, (stdout + stderr).Split('\n').Count(l => l.Contains("Watcher stopped: ", StringComparison.Ordinal)));
    }

    protected async Task<string> WaitForTotal(int total, TimeSpan? within = null)
    {
        string exposition = "";
        await Eventually.Holds(async () =>
        {
            exposition = await Http.GetStringAsync(Metrics);
            // No series before the watcher counted its first request.
            double seen = Exposition.ValueOrZero(exposition, "nginx_http_requests_total");
            Assert.True(seen <= total, $"counted {seen} requests, more than the {total} sent");
            return seen == total;
        }, within ?? TimeSpan.FromSeconds(30), $"nginx_http_requests_total = {total}");
        return exposition;
    }

    // Nothing is counted late or twice: the total stays where it is.
    protected async Task AssertStaysAt(int total)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(total, Exposition.Value(await Http.GetStringAsync(Metrics), "nginx_http_requests_total"));
    }

    // The test made these rotations and no others: each is counted once.
    protected static void AssertRotations(string exposition, int renamed, int truncated, int recreated)
    {
        Assert.Equal(renamed, Exposition.Value(exposition, "watcher_rotations_total", "kind=\"renamed\""));
        Assert.Equal(truncated, Exposition.Value(exposition, "watcher_rotations_total", "kind=\"truncated\""));
        Assert.Equal(recreated, Exposition.Value(exposition, "watcher_rotations_total", "kind=\"recreated\""));
    }

    // The shared log's format: ... $status $body_bytes_sent ... bs=$bytes_sent rl=$request_length[ ucs=...]
    [GeneratedRegex(@""" (?<status>\d{3}) (?<body>\d+) "".* bs=(?<sent>\d+) rl=(?<rl>\d+)( |$)")]
    private static partial Regex LoggedField();
}
