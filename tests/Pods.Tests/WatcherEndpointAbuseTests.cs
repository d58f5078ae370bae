using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> from the manifests, with the manifest's memory and CPU limits, its metrics port
/// attacked from the pod network: 2,000 concurrent scrapes, or 8,000 slow-header connections. The
/// watcher must stay up within its memory limit, answer its liveness probe within a second all
/// along (where the manifest's liveness probe asks), and count every line nginx logs meanwhile
/// exactly. The exposition has 500 label sets.
/// </summary>
public sealed partial class WatcherEndpointAbuseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Log = "/var/log/nginx/shared/access.log";
    private const int SeededLines = 9 * 56;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private PodRunner _pod = null!;
    private string _ip = null!;
    private ContainerUsage _usage = null!;
    private string _stateBefore = null!;

    private Uri Watcher(string path) => new($"http://{_ip}:9145{path}");

    public async Task InitializeAsync()
    {
        _pod = await PodRunner.StartAsync("webserver",
            RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml"));
        _ip = await _pod.IpAddressAsync();
        await Eventually.Holds(async () => (await Http.GetAsync(Watcher("/readyz"))).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the watcher's /readyz");
        // 9 methods x 56 statuses: 500 label sets (and 4 more lines counted under "other"), as the issue measured.
        await _pod.ExecAsync("webserver", "sh", "-c",
            "for m in GET HEAD POST PUT DELETE OPTIONS PATCH TRACE CONNECT; do s=200; while [ $s -lt 256 ]; do " +
            "printf '10.0.0.1 - - [08/Jan/2020:08:59:14 +0000] \"%s /seed HTTP/1.1\" %s 100 \"-\" \"seed\" rt=0.001 uct=\"-\" uht=\"-\" urt=\"-\" bs=300 rl=80\\n' $m $s; " +
            $"s=$((s+1)); done; done >> {Log}");
        await WaitForTotal(SeededLines);
        string metrics = await Http.GetStringAsync(Watcher("/metrics"));
        Assert.Equal(500, metrics.Split('\n').Count(l => l.StartsWith("nginx_http_requests_total{", StringComparison.Ordinal) && !l.Contains("\"other\"", StringComparison.Ordinal)));
        _usage = new ContainerUsage(_pod.Container("webwatcher").Id);
        _stateBefore = await _usage.StateAsync();
    }

    public async Task DisposeAsync() => await _pod.DisposeAsync();

    [Fact]
    public async Task Under_2000_concurrent_scrapes_the_watcher_stays_up_within_its_memory_limit_and_answers_its_probe_within_a_second()
    {
        // Given a prober, a memory sampler and nginx traffic the watcher must count meanwhile
        var (prober, sampling, stop) = StartWatching();
        using var nginx = new NginxClient(new Uri($"http://{_ip}:80"));
        var traffic = nginx.LoadAsync(300, 2, _ => Task.Delay(20));

        // When 2,000 connections scrape /metrics as fast as they can for 15 s
        string wrk = await Run("wrk", "-t2", "-c2000", "-d15s", "--timeout", "5s", Watcher("/metrics").ToString());
        await traffic;
        await Task.Delay(TimeSpan.FromSeconds(5)); // and the probe goes on after the load
        await stop.CancelAsync();
        await sampling;

        // Then
        string figures = await Figures("2,000 concurrent scrapes", prober, wrk);
        await AssertSurvived(prober, figures);
        await WaitForTotal(SeededLines + nginx.Sent);
        Assert.True(Regex.IsMatch(wrk, @"\b[1-9][0-9]* requests in"), figures);
    }

    [Fact]
    public async Task Under_8000_slow_header_connections_the_watcher_stays_up_answers_its_probe_and_closes_every_one_itself()
    {
        // Given a prober, a memory sampler and nginx traffic the watcher must count meanwhile
        var (prober, sampling, stop) = StartWatching();
        using var nginx = new NginxClient(new Uri($"http://{_ip}:80"));
        var traffic = nginx.LoadAsync(300, 2, _ => Task.Delay(20));

        // When 8,000 connections open at 1,000 a second and each sends a header byte every 2 s, for 25 s
        var outcomes = await Slowloris.RunAsync(new IPEndPoint(IPAddress.Parse(_ip), 9145), 8000, 1000,
            TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(25));
        await traffic;
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await sampling;

        // Then every slow connection was closed by the server: by the 5 s header timeout (checked once a
        // second), or earlier when a newer connection took its place at the connection cap
        var closed = outcomes.Where(o => o.ClosedAfter is not null && o.How is not "still open" && !o.How.StartsWith("connect", StringComparison.Ordinal)).ToList();
        var byHow = outcomes.GroupBy(o => o.How).ToDictionary(g => g.Key, g => g.Count());
        double slowest = closed.Max(o => o.ClosedAfter!.Value.TotalSeconds);
        string figures = await Figures("8,000 slow-header connections", prober,
            $"outcomes {string.Join(", ", byHow.Select(kv => $"{kv.Key.Trim()}: {kv.Value}"))}; slowest closed after {slowest:F1} s");
        Assert.True(closed.Count == 8000, figures);
        Assert.True(slowest <= 5 + 1 + 2 + 1, figures); // timeout, heartbeat, one trickle period, scheduling
        await AssertSurvived(prober, figures);
        await WaitForTotal(SeededLines + nginx.Sent);
    }

    private (HealthProber Prober, Task Sampling, CancellationTokenSource Stop) StartWatching()
    {
        // Where the manifest's liveness probe goes, as the kubelet would.
        var spec = _pod.Spec("webwatcher");
        var probe = spec.LivenessProbe.HttpGet;
        int port = spec.Ports.Single(p => p.Name == probe.Port.Value || p.ContainerPort.ToString(CultureInfo.InvariantCulture) == probe.Port.Value).ContainerPort;
        var prober = new HealthProber(new Uri($"http://{_ip}:{port}{probe.Path}"));
        var stop = new CancellationTokenSource();
        var sampling = Task.WhenAll(prober.RunAsync(stop.Token), _usage.SampleAsync(stop.Token));
        return (prober, sampling, stop);
    }

    private async Task AssertSurvived(HealthProber prober, string figures)
    {
        Assert.Equal(_stateBefore, await _usage.StateAsync());
        Assert.Contains("running=true oomkilled=false restarts=0", _stateBefore, StringComparison.Ordinal);
        double limitMiB = _pod.Spec("webwatcher").Resources.Limits["memory"].ToDecimal() is var bytes ? (double)bytes / 1048576 : 0;
        Assert.True(await PeakMiB() < limitMiB, figures);
        Assert.True(prober.Results.Count > 40, figures);
        Assert.True(!prober.Failures.Any(), $"{figures}; probe failures: {string.Join("; ", prober.Failures)}");
    }

    private async Task<double> PeakMiB() => Math.Max(await _usage.KernelPeakMiBAsync() ?? 0, _usage.SampledPeakMiB);

    private async Task<string> Figures(string load, HealthProber prober, string detail)
    {
        double? kernel = await _usage.KernelPeakMiBAsync();
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"{load}: watcher peak memory {(kernel is { } k ? $"{k:F1} MiB (cgroup), " : "")}{_usage.SampledPeakMiB:F1} MiB (docker stats); " +
            $"/healthz {prober.Results.Count} probes, {prober.Failures.Count()} failed, slowest {prober.MaxMs:F0} ms; {OneLine(detail)}");
        output.WriteLine(figures);
        Directory.CreateDirectory(RepositoryLayout.PathOf(".build"));
        await File.AppendAllTextAsync(RepositoryLayout.PathOf(".build", "abuse-figures.txt"), figures + "\n");
        return figures;
    }

    private async Task WaitForTotal(int total)
    {
        double seen = 0;
        await Eventually.Holds(async () =>
        {
            seen = Exposition.Value(await Http.GetStringAsync(Watcher("/metrics")), "nginx_http_requests_total");
            Assert.True(seen <= total, $"counted {seen} requests, more than the {total} logged");
            return seen == total;
        }, TimeSpan.FromSeconds(60), $"nginx_http_requests_total = {total}");
        // Nothing late or twice.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(total, Exposition.Value(await Http.GetStringAsync(Watcher("/metrics")), "nginx_http_requests_total"));
    }

    private static string OneLine(string text) => Regex.Replace(text.Trim(), @"\s+", " ");

    private static async Task<string> Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start (scripts/host-tools.sh installs it)");
        var stderr = process.StandardError.ReadToEndAsync();
        string text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {text} {await stderr}");
        return OneLine(Regex.Match(text, @"\d+ requests in .*?Requests/sec:\s+[0-9.]+", RegexOptions.Singleline).Value);
    }
}
