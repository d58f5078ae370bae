using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> from the manifests, with the manifest's limits (128 MiB, 200m CPU), and basic auth
/// from a web config file added to the ConfigMap the watcher already mounts. Its metrics port is flooded
/// by 50 connections sending wrong passwords, and then Prometheus' first scrape after a restart comes:
/// a header the watcher has never seen, so it costs a bcrypt check. It must be answered within 2 s.
/// </summary>
public sealed class WatcherBasicAuthFloodTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string User = "prometheus";
    private const string Password = "s3cret-scrape";
    private const int Connections = 50;
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(2);
    private PodRunner _pod = null!;
    private string _ip = null!;
    private ContainerUsage _usage = null!;
    private string _stateBefore = null!;

    private Uri Watcher(string path) => new($"http://{_ip}:9145{path}");

    public async Task InitializeAsync()
    {
        // htpasswd -nbBC 10 makes the same kind of hash (cost 10, what the README suggests).
        string webConfig = $"basic_auth_users:\n  {User}: {BCrypt.Net.BCrypt.HashPassword(Password, 10)}\n";
        _pod = await PodRunner.StartAsync("webserver",
            [RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml")],
            [new EnvOverride("webwatcher", "Http__WebConfigFile", "/etc/sidecars/web-config.yml")],
            [new ConfigMapOverride("nginx-log-format", "web-config.yml", webConfig)]);
        _ip = await _pod.IpAddressAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // The probes need no password.
        try
        {
            await Eventually.Holds(async () => (await http.GetAsync(Watcher("/readyz"))).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the watcher's /readyz");
        }
        catch (TimeoutException e)
        {
            var (stdout, stderr) = await _pod.Container("webwatcher").GetLogsAsync();
            throw new TimeoutException($"{e.Message}; the watcher's log: {stdout} {stderr}", e);
        }
        _usage = new ContainerUsage(_pod.Container("webwatcher").Id);
        _stateBefore = await _usage.StateAsync();
    }

    public async Task DisposeAsync() => await _pod.DisposeAsync();

    [Fact]
    public async Task Under_50_connections_repeating_one_wrong_password_the_first_scrape_with_the_right_one_is_answered_within_2_seconds()
    {
        // Given 50 connections sending the same wrong password as fast as they are answered, for 5 s
        using var stop = new CancellationTokenSource();
        var flood = FloodAsync(_ => Basic(User, "guess"), stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(5));

        // When Prometheus' first scrape comes, from the same address, on a new connection
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Get, Watcher("/metrics"));
        request.Headers.Authorization = Basic(User, Password);
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        var took = clock.Elapsed;
        await stop.CancelAsync();
        var refused = await flood;

        // Then it is answered, with the metrics, within 2 s
        string figures = Figures("one wrong password repeated", took, refused);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{figures}; status {(int)response.StatusCode}");
        Assert.Contains("watcher_build_info", body, StringComparison.Ordinal);
        Assert.True(took <= Target, figures);
        await AssertSurvived(figures);
    }

    [Fact]
    public async Task Under_50_connections_sending_a_new_wrong_password_each_time_the_first_scrape_from_another_address_is_answered_within_2_seconds()
    {
        // Given 50 connections from this host, each request with a password never sent before, for 5 s
        using var stop = new CancellationTokenSource();
        var flood = FloodAsync(i => Basic(User, $"guess-{i}"), stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(5));

        // When Prometheus' first scrape comes from another address (the pod's loopback, from nginx's container)
        string header = Basic(User, Password).ToString();
        string script =
            "s=$(date +%s%N); exec 3<>/dev/tcp/127.0.0.1/9145; " +
            $"printf 'GET /metrics HTTP/1.1\\r\\nHost: watcher\\r\\nAuthorization: {header}\\r\\nConnection: close\\r\\n\\r\\n' >&3; " +
            "read -r status <&3; e=$(date +%s%N); echo \"$status|$(( (e - s) / 1000000 ))\"";
        string answer = (await _pod.ExecAsync("webserver", "bash", "-c", script)).Trim();
        await stop.CancelAsync();
        var refused = await flood;

        // Then it is answered 200 within 2 s
        var took = TimeSpan.FromMilliseconds(double.Parse(answer.Split('|')[1], CultureInfo.InvariantCulture));
        string figures = Figures("a new wrong password each time", took, refused);
        Assert.True(answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), $"{figures}; answer {answer}");
        Assert.True(took <= Target, figures);
        await AssertSurvived(figures);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    // Each connection sends its next request as soon as the last one is answered; returns the 401s counted.
    private async Task<FloodCount> FloodAsync(Func<long, AuthenticationHeaderValue> header, CancellationToken stop)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections }) { Timeout = Timeout.InfiniteTimeSpan };
        long sent = 0, unauthorized = 0, other = 0;
        var uri = Watcher("/metrics");
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Authorization = header(Interlocked.Increment(ref sent));
                try
                {
                    using var response = await http.SendAsync(request, stop);
                    await response.Content.ReadAsByteArrayAsync(stop);
                    Interlocked.Increment(ref response.StatusCode == HttpStatusCode.Unauthorized ? ref unauthorized : ref other);
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref other);
                    }
                }
            }
        }));
        return new FloodCount(unauthorized, other);
    }

    private sealed record FloodCount(long Unauthorized, long Other);

    private string Figures(string flood, TimeSpan took, FloodCount count)
    {
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"{Connections} connections, {flood}: the right password's first scrape took {took.TotalSeconds:F2} s (target {Target.TotalSeconds:F0} s); " +
            $"the flood got {count.Unauthorized} 401s and {count.Other} other answers or errors");
        output.WriteLine(figures);
        Directory.CreateDirectory(RepositoryLayout.PathOf(".build"));
        File.AppendAllText(RepositoryLayout.PathOf(".build", "auth-flood-figures.txt"), figures + "\n");
        return figures;
    }

    private async Task AssertSurvived(string figures)
    {
        string state = await _usage.StateAsync();
        Assert.True(state == _stateBefore, $"{figures}; before {_stateBefore}, after {state}");
        Assert.Contains("running=true oomkilled=false restarts=0", state, StringComparison.Ordinal);
    }
}
