using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> as manifests/pods02.yaml and its ConfigMap describe it: nginx writing the
/// shared log, the watcher image built from Dockerfile.watcher following it. Every count is exact.
/// </summary>
public sealed partial class WatcherPodTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Log = "/var/log/nginx/shared/access.log";
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };
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
        // That probe was a request too: wait until the watcher has counted it, then start from a known total.
        await WaitForTotal(1);
    }

    public async Task DisposeAsync()
    {
        _nginx.Dispose();
        await _pod.DisposeAsync();
    }

    [Fact]
    public async Task A_fixed_mix_of_requests_shows_exactly_those_counts_per_method_and_status_and_bytes()
    {
        // Given a large file to serve
        await _pod.ExecAsync("webserver", "sh", "-c", "head -c 1048576 /dev/zero > /usr/share/nginx/html/large.bin");

        // When a fixed mix of requests is sent
        for (int i = 0; i < 5; i++) { Assert.Equal(200, await _nginx.SendAsync("GET", "/")); }
        for (int i = 0; i < 3; i++) { Assert.Equal(404, await _nginx.SendAsync("GET", "/missing")); }
        for (int i = 0; i < 2; i++) { Assert.Equal(405, await _nginx.SendAsync("POST", "/")); }
        for (int i = 0; i < 2; i++) { Assert.Equal(200, await _nginx.SendAsync("HEAD", "/")); }
        for (int i = 0; i < 2; i++) { Assert.Equal(200, await _nginx.SendAsync("GET", "/large.bin")); }
        Assert.Equal(405, await _nginx.SendAsync("DELETE", "/"));
        // A method nginx does not know, and a request line that is not HTTP at all.
        Assert.Equal(405, await _nginx.SendRawAsync("PROPFIND / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "other"));
        Assert.Equal(400, await _nginx.SendRawAsync("GARBAGE\r\n\r\n", "other"));

        // Then the watcher shows exactly those counts
        int total = 1 + _nginx.Sent;
        string exposition = await WaitForTotal(total);
        foreach (var ((method, status), count) in _nginx.Answered)
        {
            double expected = count + (method == "GET" && status == 200 ? 1 : 0); // + the start-up probe
            Assert.Equal(expected, Exposition.Value(exposition, "nginx_http_requests_total", $"method=\"{method}\"", $"status=\"{status}\""));
        }

        // And the byte counters match what nginx logged
        var logged = (await _pod.ExecAsync("webserver", "cat", Log)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(total, logged.Length);
        long bodyBytes = logged.Sum(l => long.Parse(LoggedField().Match(l).Groups["body"].Value, CultureInfo.InvariantCulture));
        long bytesSent = logged.Sum(l => long.Parse(LoggedField().Match(l).Groups["sent"].Value, CultureInfo.InvariantCulture));
        long requestLength = logged.Sum(l => long.Parse(LoggedField().Match(l).Groups["rl"].Value, CultureInfo.InvariantCulture));
        Assert.True(bodyBytes > 2 * 1048576, $"body bytes {bodyBytes}");
        Assert.Equal(bodyBytes, Exposition.Value(exposition, "nginx_http_response_body_bytes_total"));
        Assert.Equal(bytesSent, Exposition.Value(exposition, "nginx_http_response_bytes_total"));
        Assert.Equal(requestLength, Exposition.Value(exposition, "nginx_http_request_bytes_total"));
        Assert.Equal(total, Exposition.Value(exposition, "nginx_http_request_duration_seconds_count"));
        Assert.Equal(0, Exposition.Value(exposition, "watcher_lines_total", "result=\"malformed\""));
    }

    [Fact]
    public async Task The_scraped_exposition_passes_promtool_check_metrics()
    {
        await _nginx.LoadAsync(50, 2);
        string exposition = await WaitForTotal(1 + _nginx.Sent);
        Assert.Equal("", await Promtool.CheckMetricsAsync(exposition));
    }

    [Fact]
    public async Task Rename_and_reopen_under_traffic_keeps_the_count_exact()
    {
        // Given traffic flowing, when the log is renamed and nginx reopens it twice while requests go on
        await _nginx.LoadAsync(1500, 4, async i =>
        {
            if (i is 400 or 1000)
            {
                await _pod.ExecAsync("webserver", "sh", "-c", $"mv {Log} {Log}.1 && nginx -s reopen");
            }
        });

        // Then every request is counted exactly once, and each rotation once
        string exposition = await WaitForTotal(1 + _nginx.Sent);
        AssertRotations(exposition, renamed: 2, truncated: 0, recreated: 0);
        await AssertStaysAt(1 + _nginx.Sent);
    }

    [Fact]
    public async Task Copytruncate_under_traffic_keeps_the_count_exact()
    {
        // copytruncate loses, in logrotate itself, what nginx writes between the copy and the truncate:
        // the truncation happens at a moment without a request in flight; traffic goes on around it.
        await _nginx.LoadAsync(600, 4);
        await WaitForTotal(1 + _nginx.Sent);
        await _pod.ExecAsync("webserver", "sh", "-c", $"cp {Log} {Log}.1 && truncate -s 0 {Log}");
        await _nginx.LoadAsync(600, 4);

        string exposition = await WaitForTotal(1 + _nginx.Sent);
        AssertRotations(exposition, renamed: 0, truncated: 1, recreated: 0);
        await AssertStaysAt(1 + _nginx.Sent);
    }

    [Fact]
    public async Task Restarting_the_watcher_under_traffic_loses_nothing_and_counts_nothing_twice()
    {
        // Given a scraper reading the request total all along
        var watcher = _pod.Container("webwatcher");
        await using var scraper = ScrapeRecorder.Start(s_http, Metrics, "nginx_http_requests_total");
        TimeSpan killed = default, restarted = default;

        // When the watcher crashes and later restarts cleanly while requests go on
        await _nginx.LoadAsync(1500, 2, async i =>
        {
            if (i == 400)
            {
                // A crash: SIGKILL, then the kubelet would start the container again.
                killed = scraper.Now;
                await PodRunner.Docker("kill", "--signal", "KILL", watcher.Id);
                await PodRunner.Docker("start", watcher.Id);
            }
            else if (i == 1000)
            {
                // A clean restart: SIGTERM.
                restarted = scraper.Now;
                await PodRunner.Docker("restart", "--time", "10", watcher.Id);
            }
        });
        string exposition = await WaitForTotal(1 + _nginx.Sent, TimeSpan.FromSeconds(60));
        var samples = await scraper.StopAsync();

        // Then no scrape, before, between or after the restarts, showed fewer requests than one before it
        Assert.True(ScrapeRecorder.Answered(samples, TimeSpan.Zero, killed) > 0, "no scrape answered before the kill");
        Assert.True(ScrapeRecorder.Answered(samples, killed, restarted) > 0, "no scrape answered between the kill and the restart");
        Assert.True(ScrapeRecorder.Answered(samples, restarted, TimeSpan.MaxValue) > 0, "no scrape answered after the restart");
        ScrapeRecorder.AssertNeverDecreases(samples);
        // And nothing is lost or counted twice, and a restart is no rotation
        AssertRotations(exposition, renamed: 0, truncated: 0, recreated: 0);
        await AssertStaysAt(1 + _nginx.Sent);
    }

    [Fact]
    public async Task A_real_Prometheus_scraping_by_the_pod_annotations_sees_the_same_request_total()
    {
        // Given a Prometheus that scrapes the pod as its annotations say
        var annotations = _pod.Pod.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        string target = $"{await _pod.IpAddressAsync()}:{annotations["prometheus.io/port"]}";
        using var config = new TempFolder("prometheus");
        await File.WriteAllTextAsync(config.File("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: webserver
                metrics_path: {annotations["prometheus.io/path"]}
                static_configs:
                  - targets: ["{target}"]
            """);
        await using var prometheus = new DotNet.Testcontainers.Builders.ContainerBuilder(TestImages.Prometheus)
            .WithBindMount(config.File("prometheus.yml"), "/etc/prometheus/prometheus.yml", DotNet.Testcontainers.Configurations.AccessMode.ReadOnly)
            .WithCommand("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus")
            .WithPortBinding(9090, assignRandomHostPort: true)
            .Build();
        await prometheus.StartAsync();

        // When requests are sent
        await _nginx.LoadAsync(40, 2);
        int total = 1 + _nginx.Sent;
        await WaitForTotal(total);

        // Then its query API returns the same total
        var query = new Uri($"http://127.0.0.1:{prometheus.GetMappedPublicPort(9090)}/api/v1/query?query=sum(nginx_http_requests_total)");
        double seen = -1;
        await Eventually.Holds(async () =>
        {
            using var doc = JsonDocument.Parse(await s_http.GetStringAsync(query));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            seen = result.GetArrayLength() == 0 ? -1
                : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            return seen == total;
        }, TimeSpan.FromSeconds(60), $"Prometheus to report {total} requests");
        Assert.Equal(total, seen);
    }

    [Fact]
    public async Task Paced_and_then_under_full_load_the_count_equals_the_lines_nginx_logged()
    {
        var nginxId = _pod.Container("webserver").Id;
        var watcherId = _pod.Container("webwatcher").Id;

        // Given a paced phase at the rates pods really see (hey: 500 requests/s over 2 keep-alive connections, 10 s)
        var paced = await MeasureAsync(nginxId, watcherId, () => Run("hey", "-z", "10s", "-c", "2", "-q", "250", _pod.Address(80).ToString()));
        // And then wrk at full speed for 10 s, with the memory of both containers sampled
        using var sampling = new CancellationTokenSource();
        var samples = SampleStats([nginxId, watcherId], sampling.Token);
        string wrk = "";
        var full = await MeasureAsync(nginxId, watcherId, async () => wrk = await Run("wrk", "-t2", "-c32", "-d10s", _pod.Address(80).ToString()));
        await sampling.CancelAsync();
        var stats = await samples;

        // Then after each phase, once caught up, the watcher counted exactly the lines nginx logged (its stdout copy
        // of the log is independent of any rotation of the shared file); the CPU figures are reported, not asserted
        string rps = Regex.Match(wrk, @"Requests/sec:\s+([0-9.]+)").Groups[1].Value;
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"paced (hey -c2 -q250, 10 s): {paced.Describe()}\n" +
            $"full (wrk -t2 -c32 -d10s, {rps} requests/s): {full.Describe()}; " +
            $"peak mem nginx {stats[nginxId].PeakMemMiB:F1} MiB, watcher {stats[watcherId].PeakMemMiB:F1} MiB");
        output.WriteLine(figures);
        Directory.CreateDirectory(RepositoryLayout.PathOf(".build"));
        await File.WriteAllTextAsync(RepositoryLayout.PathOf(".build", "load-figures.txt"), figures + "\n");
        Assert.True(paced.Requests > 3000, figures);
        Assert.True(full.Requests > 1000, figures);
    }

    private sealed record Phase(int Requests, double Seconds, double NginxCpuSeconds, double WatcherCpuSeconds)
    {
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Requests} requests ({Requests / Seconds:F0}/s), all counted; CPU nginx {NginxCpuSeconds:F3} s, " +
            $"watcher {WatcherCpuSeconds:F3} s ({100 * WatcherCpuSeconds / NginxCpuSeconds:F1} % of nginx, " +
            $"{1e6 * WatcherCpuSeconds / Requests:F1} µs per line)");
    }

    /// <summary>Runs a load, waits until the watcher counted every line nginx logged, and reads both containers' CPU.</summary>
    private async Task<Phase> MeasureAsync(string nginxId, string watcherId, Func<Task> load)
    {
        int before = await LoggedRequests(nginxId);
        double nginx0 = ContainerCpuSeconds(nginxId), watcher0 = ContainerCpuSeconds(watcherId);
        var started = Stopwatch.StartNew();
        await load();
        double seconds = started.Elapsed.TotalSeconds;
        int logged = await SettledLoggedRequests(nginxId);
        await WaitForTotal(logged, TimeSpan.FromSeconds(120));
        return new Phase(logged - before, seconds, ContainerCpuSeconds(nginxId) - nginx0, ContainerCpuSeconds(watcherId) - watcher0);
    }

    // The requests nginx logged once the load is over: those still in flight when the client stopped are logged a
    // moment later, and Docker copies nginx's stdout to its log asynchronously, so the count is read again until it
    // stays the same for a second.
    private static async Task<int> SettledLoggedRequests(string nginxId)
    {
        int last = await LoggedRequests(nginxId);
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            int now = await LoggedRequests(nginxId);
            if (now == last)
            {
                return now;
            }
            last = now;
        }
    }

    private static async Task<int> LoggedRequests(string nginxId) =>
        (await PodRunner.Docker("logs", nginxId)).Split('\n').Count(l => RequestLine().IsMatch(l));

    /// <summary>A container's CPU time from its cgroup (cgroup v1 cpuacct, or v2 cpu.stat), in seconds.</summary>
    private static double ContainerCpuSeconds(string id)
    {
        string v1 = $"/sys/fs/cgroup/cpuacct/docker/{id}/cpuacct.usage";
        if (File.Exists(v1))
        {
            return long.Parse(File.ReadAllText(v1).Trim(), CultureInfo.InvariantCulture) / 1e9;
        }
        string v2 = $"/sys/fs/cgroup/system.slice/docker-{id}.scope/cpu.stat";
        string usage = File.ReadLines(v2).First(l => l.StartsWith("usage_usec ", StringComparison.Ordinal));
        return long.Parse(usage["usage_usec ".Length..], CultureInfo.InvariantCulture) / 1e6;
    }

    private async Task<string> WaitForTotal(int total, TimeSpan? within = null)
    {
        string exposition = "";
        double seen = 0;
        await Eventually.Holds(async () =>
        {
            exposition = await s_http.GetStringAsync(Metrics);
            // No series before the watcher counted its first request.
            seen = Exposition.ValueOrZero(exposition, "nginx_http_requests_total");
            Assert.True(seen <= total, $"counted {seen} requests, more than the {total} sent");
            return seen == total;
        }, within ?? TimeSpan.FromSeconds(30), $"nginx_http_requests_total = {total}");
        return exposition;
    }

    // Nothing is counted late or twice: the total stays where it is.
    private async Task AssertStaysAt(int total)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(total, Exposition.Value(await s_http.GetStringAsync(Metrics), "nginx_http_requests_total"));
    }

    // The test made these rotations and no others: each is counted once.
    private static void AssertRotations(string exposition, int renamed, int truncated, int recreated)
    {
        Assert.Equal(renamed, Exposition.Value(exposition, "watcher_rotations_total", "kind=\"renamed\""));
        Assert.Equal(truncated, Exposition.Value(exposition, "watcher_rotations_total", "kind=\"truncated\""));
        Assert.Equal(recreated, Exposition.Value(exposition, "watcher_rotations_total", "kind=\"recreated\""));
    }

    private sealed record Usage(double MeanCpu, double PeakMemMiB);

    private static async Task<Dictionary<string, Usage>> SampleStats(string[] ids, CancellationToken stop)
    {
        var cpu = ids.ToDictionary(i => i, _ => new List<double>());
        var mem = ids.ToDictionary(i => i, _ => 0.0);
        while (!stop.IsCancellationRequested)
        {
            string text = await PodRunner.Docker(["stats", "--no-stream", "--format", "{{.ID}} {{.CPUPerc}} {{.MemUsage}}", .. ids]);
            foreach (string row in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var m = Regex.Match(row, @"^(\w+) ([0-9.]+)% ([0-9.]+)(KiB|MiB|GiB)");
                if (!m.Success) { continue; }
                string id = ids.First(i => i.StartsWith(m.Groups[1].Value, StringComparison.Ordinal));
                cpu[id].Add(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
                double value = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                double mib = m.Groups[4].Value switch { "KiB" => value / 1024, "GiB" => value * 1024, _ => value };
                mem[id] = Math.Max(mem[id], mib);
            }
        }
        return ids.ToDictionary(i => i, i => new Usage(cpu[i].DefaultIfEmpty(0).Average(), mem[i]));
    }

    private static async Task<string> Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"{file} did not start (is it installed? scripts/host-tools.sh installs it)");
        string text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {text}");
        return text;
    }

    // The shared log's format (nginx-log-format.yaml): ... $status $body_bytes_sent ... bs=$bytes_sent rl=$request_length
    [GeneratedRegex(@""" (?<status>\d{3}) (?<body>\d+) "".* bs=(?<sent>\d+) rl=(?<rl>\d+)$")]
    private static partial Regex LoggedField();

    // A request line of the official `main` format on nginx's stdout.
    [GeneratedRegex(@"^\S+ - \S+ \[[^\]]+\] "".*"" \d{3} \d+ ")]
    private static partial Regex RequestLine();
}
