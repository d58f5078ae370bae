using System.Globalization;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Start-up memory with the manifest's limits (128 MiB, 200m): the largest settings the watcher accepts start, fill
/// and restart from a full state within the limit, and settings whose counters cannot fit are refused with one line,
/// not an <c>OutOfMemoryException</c> (exit 134) as before.
/// </summary>
public sealed class WatcherStartupMemoryTests(ITestOutputHelper output)
{
    private const string Log = "/var/log/nginx/shared/access.log";

    [Fact]
    public async Task The_largest_state_a_route_of_499_values_allows_starts_fills_and_restarts_within_the_pods_limit()
    {
        // Given the pod of the manifests with a route of 499 values from the path and the most label sets it may
        // have with a state (758; the state directory is the manifest's); before, measuring the state's worst case
        // at start took 130 MiB with 2,000 label sets, and ended in exit 134
        await using var pod = await PodRunner.StartAsync("webserver",
            [RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml")],
            [
                new EnvOverride("webwatcher", "Watcher__MaxLabelSets", "758"),
                new EnvOverride("webwatcher", "Watcher__Routes__0__Name", "tenant"),
                new EnvOverride("webwatcher", "Watcher__Routes__0__Regex", "^/t/(?<t>[0-9]+)/"),
                new EnvOverride("webwatcher", "Watcher__Routes__0__Replacement", "t${t}"),
                new EnvOverride("webwatcher", "Watcher__Routes__0__MaxValues", "499"),
            ]);
        string ip = await pod.IpAddressAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = new Uri($"http://{ip}:9145/metrics");
        var watcher = pod.Container("webwatcher");
        var usage = new ContainerUsage(watcher.Id);
        await Eventually.Holds(async () => (await http.GetAsync(new Uri($"http://{ip}:9145/readyz"))).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the watcher's /readyz");
        double startedMiB = await usage.KernelPeakMiBAsync() ?? double.NaN;

        // When every label set is used, each with a route value of 250 bytes (the longest a state holds are 256):
        // 379 tenants x 2 methods, 758 label sets
        await pod.ExecAsync("webserver", "sh", "-c",
            "t=0; while [ $t -lt 379 ]; do for m in GET POST; do " +
            "printf '10.0.0.1 - - [08/Jan/2020:08:59:14 +0000] \"%s /t/%0250d/x HTTP/1.1\" 200 100 \"-\" \"seed\" rt=0.001 uct=\"-\" uht=\"-\" urt=\"-\" bs=300 rl=80\\n' $m $t; " +
            $"done; t=$((t+1)); done >> {Log}");
        const int lines = 379 * 2;
        await Eventually.Holds(async () => Exposition.Value(await http.GetStringAsync(metrics), "nginx_http_requests_total") == lines,
            TimeSpan.FromSeconds(60), $"nginx_http_requests_total = {lines}");
        double filledMiB = await usage.KernelPeakMiBAsync() ?? double.NaN;

        // And the watcher stops and starts again, from the full state
        await PodRunner.Docker("restart", "--time", "10", watcher.Id);
        await Eventually.Holds(async () =>
        {
            try
            {
                return Exposition.Value(await http.GetStringAsync(metrics), "nginx_http_requests_total") == lines;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), $"nginx_http_requests_total = {lines} after the restart");
        double restartedMiB = await usage.KernelPeakMiBAsync() ?? double.NaN;
        string page = await http.GetStringAsync(metrics);
        int series = page.Split('\n').Count(l => l.StartsWith("nginx_http_requests_total{", StringComparison.Ordinal));
        string state = await usage.StateAsync();
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"499 route values, 758 label sets of 250-byte values, a state: cgroup peak {startedMiB:F1} MiB started, {filledMiB:F1} MiB filled, {restartedMiB:F1} MiB restarted from the state (limit 128); {series} label sets; {state}");
        output.WriteLine(figures);
        Directory.CreateDirectory(RepositoryLayout.PathOf(".build"));
        await File.AppendAllTextAsync(RepositoryLayout.PathOf(".build", "abuse-figures.txt"), figures + "\n");

        // Then it counted every line, restored every label set, and never came near the limit
        Assert.Equal(lines, series);
        Assert.Equal(0, Exposition.Value(page, "watcher_state_resets_total"));
        Assert.Contains("oomkilled=false", state, StringComparison.Ordinal);
        foreach (double peak in new[] { startedMiB, filledMiB, restartedMiB }.Where(p => !double.IsNaN(p)))
        {
            Assert.True(peak < 128 * 0.75, figures);
        }
    }

    public static TheoryData<string, string[], string> TooLarge => new()
    {
        // 200 duration buckets for 10,000 label sets: 313 MiB of counters
        {
            "counters", ["--Watcher:MaxLabelSets=10000", .. Enumerable.Range(0, 200).Select(i => string.Create(CultureInfo.InvariantCulture, $"--Watcher:DurationBuckets:{i}={(i + 1) * 0.01}"))],
            "Watcher:MaxLabelSets=10000 with 200 Watcher:DurationBuckets"
        },
        // A route of 499 values with 2,000 label sets and a state: 21 MiB a slot (measuring it took 130 MiB before)
        {
            "state", ["--Watcher:StateDirectory=/tmp", "--Watcher:MaxLabelSets=2000", "--Watcher:Routes:0:Name=tenant", "--Watcher:Routes:0:Regex=^/t/(?<t>[0-9]+)/", "--Watcher:Routes:0:Replacement=t${t}", "--Watcher:Routes:0:MaxValues=499"],
            "Watcher:StateDirectory: Watcher:MaxLabelSets=2000 with Watcher:Routes (499 values"
        },
        // A label on the histograms with 500 values and 10,000 label sets, with a state
        {
            "label", ["--Watcher:StateDirectory=/tmp", "--Watcher:MaxLabelSets=10000", "--Watcher:Labels:0:Name=host", "--Watcher:Labels:0:Variable=$host", "--Watcher:Labels:0:MaxValues=500", "--Watcher:Labels:0:OnHistograms=true"],
            "Watcher:MaxLabelSets=10000"
        },
    };

    [Theory]
    [MemberData(nameof(TooLarge))]
    public async Task Settings_that_cannot_fit_are_refused_at_start_with_one_line_in_the_pods_limit(string what, string[] settings, string expected)
    {
        // Given settings that cannot fit, in 128 MiB and 200m as the manifest's watcher, with a read-only root and /tmp
        string image = await TestImages.Watcher;
        string[] args = ["run", "--rm", "--memory", "128m", "--cpus", "0.2", "--read-only", "--tmpfs", "/tmp", image, "--Watcher:Path=/tmp/access.log", "--Watcher:Format=$host \"$request\" $status", .. settings];

        // When it starts
        var (code, stdout, stderr) = await ProcessRun.RunAsync("docker", args);
        output.WriteLine($"{what}: exit {code}; stdout: {stdout}; stderr: {stderr}");

        // Then it stops with the configuration error's code and one line naming the settings (before: exit 134, an OutOfMemoryException)
        Assert.Equal(2, code);
        string error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("Watcher:", StringComparison.Ordinal));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("OutOfMemory", stdout + stderr, StringComparison.Ordinal);
    }
}
