using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> as manifests/pods02.yaml and its ConfigMap describe it, serving two virtual hosts that write
/// two logs (<c>site-a.access.log</c>, <c>site-b.access.log</c>), and the watcher following both through one glob
/// with a <c>host</c> label taken from <c>$host</c>, beside nginx's stub_status. Every count is exact, per log and
/// per host, also across a watcher killed while one log was rotated.
/// </summary>
public sealed partial class SeveralLogsPodTests : IAsyncLifetime
{
    private const string Folder = "/var/log/nginx/shared";
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private static readonly Site A = new("a.test", "site-a.access.log");
    private static readonly Site B = new("b.test", "site-b.access.log");
    private static readonly Site[] Sites = [A, B];

    // What nginx answered, per site, method and status: the counts the watcher must show.
    private readonly Dictionary<(Site Site, string Method, int Status), int> _answered = [];
    private PodRunner _pod = null!;

    private sealed record Site(string Host, string Log)
    {
        public string Path => $"{Folder}/{Log}";
    }

    private Uri Metrics => new(_pod.Address(9145), "/metrics");

    public async Task InitializeAsync()
    {
        // Given the pod, its ConfigMap's `sidecar` format with $host added (nginx and the watcher read that one
        // file, as shipped), and the watcher told to follow every *.access.log of the shared folder with a host label
        string[] manifests = [RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml")];
        _pod = await PodRunner.StartAsync("webserver", manifests,
            [
                new EnvOverride("webwatcher", "Watcher__Path", $"{Folder}/*.access.log"),
                new EnvOverride("webwatcher", "Watcher__Labels__0__Name", "host"),
                new EnvOverride("webwatcher", "Watcher__Labels__0__Variable", "$host"),
            ],
            [new ConfigMapOverride("nginx-log-format", "log-format.conf", await WithHostAsync(manifests[1]))]);
        await Eventually.Holds(async () => (await s_http.GetAsync(new Uri(_pod.Address(9145), "/readyz"))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the watcher's /readyz");
        await Eventually.Holds(async () => (await s_http.GetAsync(_pod.Address(80))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "nginx answering");

        // and nginx given the two virtual hosts, each with its own log, while both run: the logs appear later
        string config = $$"""
            server {
                listen 80;
                server_name {{A.Host}};
                root /usr/share/nginx/html;
                access_log {{A.Path}} sidecar;
                location = /whoami { return 200 "{{A.Host}}\n"; }
            }
            server {
                listen 80;
                server_name {{B.Host}};
                root /usr/share/nginx/html;
                access_log {{B.Path}} sidecar;
                location = /whoami { return 200 "{{B.Host}}\n"; }
            }
            """;
        await _pod.ExecAsync("webserver", "sh", "-c",
            "printf '%s\\n' \"$1\" > /etc/nginx/conf.d/zz-sidecars-test-vhosts.conf && nginx -t -q && nginx -s reload", "sh", config);
        // The reload is done when a virtual host answers as itself (before, the default server answers 404, into its
        // own log): exactly one /whoami per site is in that site's log.
        foreach (var site in Sites)
        {
            await Eventually.Holds(async () => await SendAsync(site, "GET", "/whoami") == 200, TimeSpan.FromSeconds(30), $"{site.Host} answering");
        }
    }

    public async Task DisposeAsync()
    {
        if (_pod is not null)
        {
            await _pod.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_virtual_hosts_in_two_logs_are_counted_exactly_per_log_and_per_host_beside_stub_status()
    {
        // When a known mix of requests goes to each host, and a few to the default server, whose log is not followed
        await SendMixAsync(A, get: 6, missing: 3, post: 2, head: 1);
        await SendMixAsync(B, get: 4, missing: 5, post: 0, head: 0, delete: 1);
        for (int i = 0; i < 3; i++)
        {
            using var response = await s_http.GetAsync(_pod.Address(80));
            Assert.Equal(200, (int)response.StatusCode);
        }

        // Then each log shows exactly the requests its host answered (the mix and the one /whoami that found the
        // host), each with its host label, and no other series
        string page = await WaitForExactCountsAsync();
        Assert.Equal(12 + 1, Exposition.Value(page, "nginx_http_requests_total", $"log=\"{A.Log}\""));
        Assert.Equal(10 + 1, Exposition.Value(page, "nginx_http_requests_total", $"host=\"{B.Host}\""));
        Assert.Equal(0, Exposition.Value(page, "watcher_logs_skipped_total"));
        Assert.Equal(0, Exposition.Value(page, "watcher_lines_total", "result=\"malformed\""));
        // The histograms carry the log label but not the host label (Watcher__Labels__0__OnHistograms is false)
        Assert.Equal(Answered(A), Exposition.Value(page, "nginx_http_request_duration_seconds_count", $"log=\"{A.Log}\""));
        Assert.DoesNotMatch(HostOnHistogram(), page);

        // And the lines in each file are what the watcher counted, each naming its host
        await AssertLinesInFilesAsync();

        // And nginx's stub_status is read beside the logs, and the whole page passes promtool
        // (its total counts every request of every server, the watcher's own reads of it too)
        int requests = Answered(A) + Answered(B) + 3;
        page = await ScrapeUntilAsync(p => Exposition.Value(p, "nginx_up") == 1 && Exposition.Value(p, "nginx_stub_status_requests_total") >= requests,
            $"nginx_up 1 and nginx_stub_status_requests_total >= {requests}");
        Assert.Equal("", await Promtool.CheckMetricsAsync(page));
    }

    [Fact]
    public async Task A_watcher_killed_while_one_log_is_rotated_and_a_rotation_while_it_runs_keep_the_counts_exact_per_log()
    {
        // Given both logs counted
        await SendMixAsync(A, get: 20, missing: 5, post: 1, head: 1);
        await SendMixAsync(B, get: 15, missing: 2, post: 0, head: 2);
        await WaitForExactCountsAsync();

        // When the watcher is killed (SIGKILL), site A's log is renamed and nginx reopens it while requests go on to
        // both hosts, and then the kubelet would start the watcher again
        var watcher = _pod.Container("webwatcher");
        await PodRunner.Docker("kill", "--signal", "KILL", watcher.Id);
        await SendMixAsync(A, get: 10, missing: 2, post: 0, head: 0);
        await SendMixAsync(B, get: 7, missing: 1, post: 1, head: 0);
        await _pod.ExecAsync("webserver", "sh", "-c", $"mv {A.Path} {A.Path}.1 && nginx -s reopen");
        await SendMixAsync(A, get: 9, missing: 4, post: 1, head: 0);
        await SendMixAsync(B, get: 3, missing: 0, post: 0, head: 1);
        await PodRunner.Docker("start", watcher.Id);

        // Then the restarted watcher finishes the renamed file, reads the new one, and every count is exact
        string page = await WaitForExactCountsAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, Exposition.Value(page, "watcher_rotations_total", "kind=\"renamed\""));
        Assert.Equal(0, Exposition.Value(page, "watcher_files_lost_total"));
        Assert.Equal(0, Exposition.Value(page, "watcher_state_resets_total"));
        await AssertLinesInFilesAsync();

        // When site B's log is renamed and reopened while the watcher runs, between requests to both hosts
        await SendMixAsync(B, get: 5, missing: 1, post: 0, head: 0);
        await _pod.ExecAsync("webserver", "sh", "-c", $"mv {B.Path} {B.Path}.1 && nginx -s reopen");
        await SendMixAsync(A, get: 4, missing: 0, post: 0, head: 0);
        await SendMixAsync(B, get: 6, missing: 2, post: 1, head: 0);

        // Then the counts are still exact per log and per host, they stay there, and the page passes promtool
        page = await WaitForExactCountsAsync();
        Assert.Equal(2, Exposition.Value(page, "watcher_rotations_total", "kind=\"renamed\""));
        await AssertLinesInFilesAsync();
        // (nothing counted late or twice)
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await WaitForExactCountsAsync(TimeSpan.Zero);
        page = await ScrapeUntilAsync(p => Exposition.Value(p, "nginx_up") == 1, "nginx_up 1 after the restart");
        Assert.Equal("", await Promtool.CheckMetricsAsync(page));
    }

    /// <summary>Sends GET / (200), GET /missing (404), POST / (405), HEAD / (200) and DELETE / (405) to one host.</summary>
    private async Task SendMixAsync(Site site, int get, int missing, int post, int head, int delete = 0)
    {
        foreach (var (method, path, count, status) in new[]
        {
            ("GET", "/", get, 200), ("GET", "/missing", missing, 404), ("POST", "/", post, 405), ("HEAD", "/", head, 200), ("DELETE", "/", delete, 405),
        })
        {
            for (int i = 0; i < count; i++)
            {
                Assert.Equal(status, await SendAsync(site, method, path));
            }
        }
    }

    private async Task<int> SendAsync(Site site, string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_pod.Address(80), path));
        request.Headers.Host = site.Host;
        if (method == "POST")
        {
            request.Content = new StringContent("hello");
        }
        using var response = await s_http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        int status = (int)response.StatusCode;
        // Only the virtual host logs to the site's log: a /whoami the default server answered (404, before the
        // reload took effect) went to the default log.
        bool logged = path != "/whoami" || body.Trim() == site.Host;
        if (logged)
        {
            _answered[(site, method, status)] = _answered.GetValueOrDefault((site, method, status)) + 1;
        }
        return status;
    }

    private int Answered(Site site) => _answered.Where(a => a.Key.Site == site).Sum(a => a.Value);

    /// <summary>
    /// Scrapes until each log's total is what its host answered (never more), then checks every label set: per log,
    /// host, method and status exactly what was answered, and nothing else (no host in the other's log).
    /// </summary>
    private async Task<string> WaitForExactCountsAsync(TimeSpan? within = null)
    {
        string page = "";
        await Eventually.Holds(async () =>
        {
            page = await s_http.GetStringAsync(Metrics);
            bool all = true;
            foreach (var site in Sites)
            {
                double seen = Exposition.Value(page, "nginx_http_requests_total", $"log=\"{site.Log}\"");
                Assert.True(seen <= Answered(site), $"{site.Log}: counted {seen} requests, more than the {Answered(site)} answered");
                all &= seen == Answered(site);
            }
            return all;
        }, within ?? TimeSpan.FromSeconds(30), $"nginx_http_requests_total = {Answered(A)} for {A.Log} and {Answered(B)} for {B.Log}");

        foreach (var ((site, method, status), count) in _answered)
        {
            Assert.Equal(count, Exposition.Value(page, "nginx_http_requests_total",
                $"method=\"{method}\"", $"status=\"{status}\"", $"log=\"{site.Log}\"", $"host=\"{site.Host}\""));
        }
        foreach (var site in Sites)
        {
            Assert.Equal(Answered(site), Exposition.Value(page, "nginx_http_requests_total", $"host=\"{site.Host}\""));
        }
        Assert.Equal(Answered(A) + Answered(B), Exposition.Value(page, "nginx_http_requests_total"));
        Assert.Equal(Answered(A) + Answered(B), Exposition.Value(page, "watcher_lines_total", "result=\"parsed\""));
        return page;
    }

    /// <summary>Each site's log and its rotated copy hold one line per request the site answered, each naming its host.</summary>
    private async Task AssertLinesInFilesAsync()
    {
        foreach (var site in Sites)
        {
            var lines = (await _pod.ExecAsync("webserver", "sh", "-c", $"cat {site.Path} {site.Path}.1 2>/dev/null || true"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Answered(site), lines.Length);
            Assert.All(lines, l => Assert.EndsWith($" host={site.Host}", l, StringComparison.Ordinal));
        }
    }

    private async Task<string> ScrapeUntilAsync(Func<string, bool> condition, string what)
    {
        string page = "";
        // stub_status is read every 5 s: two reads and some slack.
        await Eventually.Holds(async () => condition(page = await s_http.GetStringAsync(Metrics)), TimeSpan.FromSeconds(30), what);
        return page;
    }

    /// <summary>The ConfigMap's log-format.conf with <c>host=$host</c> at the end of the <c>sidecar</c> format.</summary>
    private static async Task<string> WithHostAsync(string configMapFile)
    {
        var configMap = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(configMapFile), strict: true).OfType<V1ConfigMap>().Single();
        string text = configMap.Data["log-format.conf"];
        Assert.Matches(SidecarFormatEnd(), text);
        return SidecarFormatEnd().Replace(text, m => m.Groups["format"].Value + " ' host=$host';", 1);
    }

    // log_format sidecar '...' ... '...'; (nginx joins the quoted parts; the format has no ';' inside)
    [GeneratedRegex(@"(?<format>log_format sidecar\s+'[^;]*');")]
    private static partial Regex SidecarFormatEnd();

    // A sample of any histogram (_bucket, _sum, _count) with a host label.
    [GeneratedRegex(@"^nginx_http_\w+_(bucket|sum|count)\{[^}]*host=", RegexOptions.Multiline)]
    private static partial Regex HostOnHistogram();
}
