using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> as manifests/pods02.yaml and its ConfigMap describe it: nginx writing the
/// shared log, the watcher image built from Dockerfile.watcher following it. Every count is exact: the checks of
/// <see cref="WatcherPodScenarios"/>, plus a real Prometheus scraping by the pod's annotations and a paced and a
/// full load.
/// </summary>
public sealed partial class WatcherPodTests(ITestOutputHelper output) : WatcherPodScenarios
{
    protected override int HttpPort => 80;

    protected override Task<PodRunner> StartPodAsync() => PodRunner.StartAsync("webserver",
        RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml"));

    [Fact]
    public async Task A_real_Prometheus_scraping_by_the_pod_annotations_sees_the_same_request_total()
    {
        // Given a Prometheus that scrapes the pod as its annotations say
        var annotations = Pod.Pod.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        string target = $"{await Pod.IpAddressAsync()}:{annotations["prometheus.io/port"]}";
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
        await Nginx.LoadAsync(40, 2);
        int total = 1 + Nginx.Sent;
        await WaitForTotal(total);

        // Then its query API returns the same total
        var query = new Uri($"http://127.0.0.1:{prometheus.GetMappedPublicPort(9090)}/api/v1/query?query=sum(nginx_http_requests_total)");
        double seen = -1;
        await Eventually.Holds(async () =>
        {
            using var doc = JsonDocument.Parse(await Http.GetStringAsync(query));
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
        var nginxId = Pod.Container("webserver").Id;
        var watcherId = Pod.Container("webwatcher").Id;

        // Given a paced phase at the rates pods really see (hey: 500 requests/s over 2 keep-alive connections, 10 s)
        var paced = await MeasureAsync(nginxId, watcherId, () => NginxLoad.RunAsync("hey", "-z", "10s", "-c", "2", "-q", "250", Pod.Address(80).ToString()));
        // And then wrk at full speed for 10 s, with the memory of both containers sampled
        using var sampling = new CancellationTokenSource();
        var samples = SampleStats([nginxId, watcherId], sampling.Token);
        string wrk = "";
        var full = await MeasureAsync(nginxId, watcherId, async () => wrk = await NginxLoad.RunAsync("wrk", "-t2", "-c32", "-d10s", Pod.Address(80).ToString()));
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
        int before = await NginxLoad.LoggedRequests(nginxId);
        double nginx0 = NginxLoad.ContainerCpuSeconds(nginxId), watcher0 = NginxLoad.ContainerCpuSeconds(watcherId);
        var started = Stopwatch.StartNew();
        await load();
        double seconds = started.Elapsed.TotalSeconds;
        int logged = await NginxLoad.SettledLoggedRequests(nginxId);
        await WaitForTotal(logged, TimeSpan.FromSeconds(120));
        return new Phase(logged - before, seconds, NginxLoad.ContainerCpuSeconds(nginxId) - nginx0, NginxLoad.ContainerCpuSeconds(watcherId) - watcher0);
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

}
