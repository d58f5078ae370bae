using System.Globalization;
using System.Text.RegularExpressions;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> from the manifests, with the manifest's memory and CPU limits, set up for an attack on the
/// watcher's metrics port: the exposition seeded to 500 label sets, and what the watcher must keep doing meanwhile
/// checked afterwards (stay up within its memory limit, answer its liveness probe within a second where the manifest's
/// probe asks, count every line nginx logs exactly). The figures go to the test output and <c>.build/abuse-figures.txt</c>.
/// </summary>
internal sealed partial class WatcherUnderAttack : IAsyncDisposable
{
    private const string Log = "/var/log/nginx/shared/access.log";
    private const int SeededLines = 9 * 56;
    private readonly ITestOutputHelper _output;
    private readonly HttpClient _metrics;
    private readonly string _scheme;
    private string _stateBefore = null!;

    private WatcherUnderAttack(PodRunner pod, ITestOutputHelper output, HttpClient metrics, string scheme)
    {
        Pod = pod;
        _output = output;
        _metrics = metrics;
        _scheme = scheme;
    }

    public PodRunner Pod { get; }

    /// <summary>The pod's IP address on Docker's bridge network.</summary>
    public string Ip { get; private set; } = null!;

    public ContainerUsage Usage { get; private set; } = null!;

    /// <summary>Requests nginx answered while the attack ran; the watcher must count each.</summary>
    public int Seeded => SeededLines;

    /// <summary>The watcher's metrics port (9145), with the scheme the web config gives it.</summary>
    public Uri Watcher(string path) => new($"{_scheme}://{Ip}:9145{path}");

    /// <summary>
    /// Starts the pod with <paramref name="env"/> and <paramref name="configMapData"/> on top of the manifests, reads
    /// the watcher's metrics with <paramref name="metrics"/> over <paramref name="scheme"/>, and seeds 500 label sets.
    /// </summary>
    public static async Task<WatcherUnderAttack> StartAsync(ITestOutputHelper output, HttpClient metrics, string scheme = "http",
        IEnumerable<EnvOverride>? env = null, IEnumerable<ConfigMapOverride>? configMapData = null)
    {
        var pod = await PodRunner.StartAsync("webserver",
            [RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml")],
            env ?? [], configMapData);
        var attacked = new WatcherUnderAttack(pod, output, metrics, scheme);
        try
        {
            await attacked.SeedAsync();
        }
        catch
        {
            await attacked.DisposeAsync();
            throw;
        }
        return attacked;
    }

    private async Task SeedAsync()
    {
        Ip = await Pod.IpAddressAsync();
        try
        {
            await Eventually.Holds(async () => (await _metrics.GetAsync(Watcher("/readyz"))).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the watcher's /readyz");
        }
        catch (TimeoutException e)
        {
            var (stdout, stderr) = await Pod.Container("webwatcher").GetLogsAsync();
            throw new TimeoutException($"{e.Message}; the watcher's log: {stdout}{stderr}", e);
        }
        // 9 methods x 56 statuses: 500 label sets (and 4 more lines counted under "other"), as the issue measured.
        await Pod.ExecAsync("webserver", "sh", "-c",
            "for m in GET HEAD POST PUT DELETE OPTIONS PATCH TRACE CONNECT; do s=200; while [ $s -lt 256 ]; do " +
            "printf '10.0.0.1 - - [08/Jan/2020:08:59:14 +0000] \"%s /seed HTTP/1.1\" %s 100 \"-\" \"seed\" rt=0.001 uct=\"-\" uht=\"-\" urt=\"-\" bs=300 rl=80\\n' $m $s; " +
            $"s=$((s+1)); done; done >> {Log}");
        await WaitForTotal(SeededLines);
        string metrics = await _metrics.GetStringAsync(Watcher("/metrics"));
        Assert.Equal(500, metrics.Split('\n').Count(l => l.StartsWith("nginx_http_requests_total{", StringComparison.Ordinal) && !l.Contains("\"other\"", StringComparison.Ordinal)));
        Usage = new ContainerUsage(Pod.Container("webwatcher").Id);
        _stateBefore = await Usage.StateAsync();
    }

    public async ValueTask DisposeAsync() => await Pod.DisposeAsync();

    /// <summary>Starts probing where the manifest's liveness probe goes, as the kubelet would, and sampling memory.</summary>
    public (HealthProber Prober, Task Sampling, CancellationTokenSource Stop) StartWatching()
    {
        var spec = Pod.Spec("webwatcher");
        var probe = spec.LivenessProbe.HttpGet;
        int port = spec.Ports.Single(p => p.Name == probe.Port.Value || p.ContainerPort.ToString(CultureInfo.InvariantCulture) == probe.Port.Value).ContainerPort;
        var prober = new HealthProber(new Uri($"http://{Ip}:{port}{probe.Path}"));
        var stop = new CancellationTokenSource();
        var sampling = Task.WhenAll(prober.RunAsync(stop.Token), Usage.SampleAsync(stop.Token));
        return (prober, sampling, stop);
    }

    /// <summary>The same process, never OOM-killed, peak memory below <paramref name="limitMiB"/> (the container's limit by default), every probe answered.</summary>
    public async Task AssertSurvived(HealthProber prober, string figures, double? limitMiB = null)
    {
        Assert.Equal(_stateBefore, await Usage.StateAsync());
        Assert.Contains("running=true oomkilled=false restarts=0", _stateBefore, StringComparison.Ordinal);
        double containerLimitMiB = Pod.Spec("webwatcher").Resources.Limits["memory"].ToDecimal() is var bytes ? (double)bytes / 1048576 : 0;
        Assert.True(await PeakMiB() < (limitMiB ?? containerLimitMiB), figures);
        Assert.True(prober.Results.Count > 40, figures);
        Assert.True(!prober.Failures.Any(), $"{figures}; probe failures: {string.Join("; ", prober.Failures)}");
    }

    /// <summary>How often <paramref name="text"/> occurs in the watcher's log so far.</summary>
    public async Task<int> WatcherLogMentionsAsync(string text)
    {
        var (stdout, stderr) = await Pod.Container("webwatcher").GetLogsAsync();
        string log = stdout + stderr;
        int count = 0;
        for (int at = log.IndexOf(text, StringComparison.Ordinal); at >= 0; at = log.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>The higher of the cgroup's peak and the sampled peak, in MiB.</summary>
    public async Task<double> PeakMiB() => Math.Max(await Usage.KernelPeakMiBAsync() ?? 0, Usage.SampledPeakMiB);

    /// <summary>One line of figures for the test output and <c>.build/abuse-figures.txt</c>.</summary>
    public async Task<string> Figures(string load, HealthProber prober, string detail)
    {
        double? kernel = await Usage.KernelPeakMiBAsync();
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"{load}: watcher peak memory {(kernel is { } k ? $"{k:F1} MiB (cgroup), " : "")}{Usage.SampledPeakMiB:F1} MiB (docker stats); " +
            $"/healthz {prober.Results.Count} probes, {prober.Failures.Count()} failed, slowest {prober.MaxMs:F0} ms; {OneLine(detail)}");
        _output.WriteLine(figures);
        Directory.CreateDirectory(RepositoryLayout.PathOf(".build"));
        await File.AppendAllTextAsync(RepositoryLayout.PathOf(".build", "abuse-figures.txt"), figures + "\n");
        return figures;
    }

    /// <summary>Waits until the watcher has counted exactly <paramref name="total"/> requests, and nothing late or twice.</summary>
    public async Task WaitForTotal(int total)
    {
        double seen = 0;
        await Eventually.Holds(async () =>
        {
            seen = Exposition.Value(await _metrics.GetStringAsync(Watcher("/metrics")), "nginx_http_requests_total");
            Assert.True(seen <= total, $"counted {seen} requests, more than the {total} logged");
            return seen == total;
        }, TimeSpan.FromSeconds(60), $"nginx_http_requests_total = {total}");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(total, Exposition.Value(await _metrics.GetStringAsync(Watcher("/metrics")), "nginx_http_requests_total"));
    }

    public static string OneLine(string text) => Spaces().Replace(text.Trim(), " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
