using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Pod <c>webserver</c> from the manifests, with the manifest's memory and CPU limits, the watcher's metrics port
/// behind TLS (a web config and a certificate of a test CA, mounted with the pod's ConfigMap), attacked from the pod
/// network with 8,000 stalled TLS handshakes: each connects, sends the first bytes of a ClientHello that announces a
/// 16 KiB record, and then nothing. The watcher must stay within its memory budget (the GC's 75 % of the limit), close
/// every one itself, answer its liveness probe within a second and new TLS scrapes meanwhile, and count every line
/// nginx logs exactly.
/// </summary>
public sealed class WatcherTlsEndpointAbuseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const double MemoryBudgetMiB = 128 * 0.75;
    private readonly TestCertificates _ca = new();
    private HttpClient _https = null!;
    private WatcherUnderAttack _watcher = null!;

    public async Task InitializeAsync()
    {
        var server = _ca.Server(["webserver"], []);
        // Every request on a new connection: each one a full TLS handshake, as a scraper's first.
        _https = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, _, _) => _ca.Issued(c) },
        }) { Timeout = TimeSpan.FromSeconds(10) };
        _watcher = await WatcherUnderAttack.StartAsync(output, _https, "https",
            [new EnvOverride("webwatcher", "Http__WebConfigFile", "/etc/sidecars/web-config.yml")],
            [
                new ConfigMapOverride("nginx-log-format", "web-config.yml",
                    "tls_server_config:\n  cert_file: /etc/sidecars/tls.crt\n  key_file: /etc/sidecars/tls.key\n"),
                new ConfigMapOverride("nginx-log-format", "tls.crt", server.CertificatePem),
                new ConfigMapOverride("nginx-log-format", "tls.key", server.KeyPem),
            ]);
    }

    public async Task DisposeAsync()
    {
        await _watcher.DisposeAsync();
        _https.Dispose();
        _ca.Dispose();
    }

    [Fact]
    public async Task Under_8000_stalled_TLS_handshakes_the_watcher_stays_within_its_memory_budget_closes_every_one_and_answers_its_probe_and_new_TLS_scrapes()
    {
        // Given a prober, a TLS scraper on new connections, a memory sampler and nginx traffic the watcher must count meanwhile
        var (prober, sampling, stop) = _watcher.StartWatching();
        var scraper = new HealthProber(_watcher.Watcher("/healthz"), _https, TimeSpan.FromSeconds(10));
        var scraping = scraper.RunAsync(stop.Token);
        using var nginx = new NginxClient(new Uri($"http://{_watcher.Ip}:80"));
        var traffic = nginx.LoadAsync(300, 2, _ => Task.Delay(20));

        // When 8,000 connections open at 1,000 a second, each sends the start of a ClientHello and stalls, for 25 s
        var outcomes = await Slowloris.RunStalledAsync(new IPEndPoint(IPAddress.Parse(_watcher.Ip), 9145), Slowloris.PartialClientHello,
            8000, 1000, TimeSpan.FromSeconds(25));
        await traffic;
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await Task.WhenAll(sampling, scraping);

        // Then every stalled handshake was closed by the server: by the ClientHello timeout (5 s), or earlier for a
        // newer one at the cap
        var closed = outcomes.Where(o => o.ClosedAfter is not null && o.How is not "still open" && !o.How.StartsWith("connect", StringComparison.Ordinal)).ToList();
        var byHow = outcomes.GroupBy(o => o.How.Length == 0 || char.IsControl(o.How[0]) ? "data" : o.How).ToDictionary(g => g.Key, g => g.Count());
        double slowest = closed.Select(o => o.ClosedAfter!.Value.TotalSeconds).DefaultIfEmpty(double.NaN).Max();
        int outOfMemory = await _watcher.WatcherLogMentionsAsync("OutOfMemoryException");
        string figures = await _watcher.Figures("8,000 stalled TLS handshakes", prober, string.Create(CultureInfo.InvariantCulture,
            $"OutOfMemoryException in the log {outOfMemory} times; " +
            $"new TLS scrapes {scraper.Results.Count}, {scraper.Failures.Count()} failed, slowest {scraper.MaxMs:F0} ms; " +
            $"outcomes {string.Join(", ", byHow.Select(kv => $"{kv.Key.Trim()}: {kv.Value}"))}; slowest closed after {slowest:F1} s"));
        Assert.True(outOfMemory == 0, figures);
        Assert.True(closed.Count == 8000, figures);
        Assert.True(slowest <= 5 + 2, figures); // timeout, scheduling
        await _watcher.AssertSurvived(prober, figures, MemoryBudgetMiB);
        Assert.True(!scraper.Failures.Any(), $"{figures}; TLS scrape failures: {string.Join("; ", scraper.Failures)}");
        await _watcher.WaitForTotal(_watcher.Seeded + nginx.Sent);
    }
}
