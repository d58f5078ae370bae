using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> from the manifests, with the manifest's memory and CPU limits, its metrics port
/// attacked from the pod network: 2,000 concurrent scrapes, or 8,000 slow-header connections. The
/// watcher must stay up within its memory limit, answer its liveness probe within a second all
/// along (where the manifest's liveness probe asks), and count every line nginx logs meanwhile
/// exactly. The exposition has 500 label sets.
/// </summary>
public sealed class WatcherEndpointAbuseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private WatcherUnderAttack _watcher = null!;

    public async Task InitializeAsync() => _watcher = await WatcherUnderAttack.StartAsync(output, Http);

    public async Task DisposeAsync() => await _watcher.DisposeAsync();

    [Fact]
    public async Task Under_2000_concurrent_scrapes_the_watcher_stays_up_within_its_memory_limit_and_answers_its_probe_within_a_second()
    {
        // Given a prober, a memory sampler and nginx traffic the watcher must count meanwhile
        var (prober, sampling, stop) = _watcher.StartWatching();
        using var nginx = new NginxClient(new Uri($"http://{_watcher.Ip}:80"));
        var traffic = nginx.LoadAsync(300, 2, _ => Task.Delay(20));

        // When 2,000 connections scrape /metrics as fast as they can for 15 s
        string wrk = await Run("wrk", "-t2", "-c2000", "-d15s", "--timeout", "5s", _watcher.Watcher("/metrics").ToString());
        await traffic;
        await Task.Delay(TimeSpan.FromSeconds(5)); // and the probe goes on after the load
        await stop.CancelAsync();
        await sampling;

        // Then
        string figures = await _watcher.Figures("2,000 concurrent scrapes", prober, wrk);
        await _watcher.AssertSurvived(prober, figures);
        await _watcher.WaitForTotal(_watcher.Seeded + nginx.Sent);
        Assert.True(Regex.IsMatch(wrk, @"\b[1-9][0-9]* requests in"), figures);
    }

    [Fact]
    public async Task Under_8000_slow_header_connections_the_watcher_stays_up_answers_its_probe_and_closes_every_one_itself()
    {
        // Given a prober, a memory sampler and nginx traffic the watcher must count meanwhile
        var (prober, sampling, stop) = _watcher.StartWatching();
        using var nginx = new NginxClient(new Uri($"http://{_watcher.Ip}:80"));
        var traffic = nginx.LoadAsync(300, 2, _ => Task.Delay(20));

        // When 8,000 connections open at 1,000 a second and each sends a header byte every 2 s, for 25 s
        var outcomes = await Slowloris.RunAsync(new IPEndPoint(IPAddress.Parse(_watcher.Ip), 9145), 8000, 1000,
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
        string figures = await _watcher.Figures("8,000 slow-header connections", prober,
            $"outcomes {string.Join(", ", byHow.Select(kv => $"{kv.Key.Trim()}: {kv.Value}"))}; slowest closed after {slowest:F1} s");
        Assert.True(closed.Count == 8000, figures);
        Assert.True(slowest <= 5 + 1 + 2 + 1, figures); // timeout, heartbeat, one trickle period, scheduling
        await _watcher.AssertSurvived(prober, figures);
        await _watcher.WaitForTotal(_watcher.Seeded + nginx.Sent);
    }

    private static async Task<string> Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start (scripts/host-tools.sh installs it)");
        var stderr = process.StandardError.ReadToEndAsync();
        string text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {text} {await stderr}");
        return WatcherUnderAttack.OneLine(Regex.Match(text, @"\d+ requests in .*?Requests/sec:\s+[0-9.]+", RegexOptions.Singleline).Value);
    }
}
