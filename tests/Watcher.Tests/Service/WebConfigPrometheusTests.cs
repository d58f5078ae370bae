using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>
/// The built watcher behind TLS and basic auth from a web configuration file, scraped by a real
/// Prometheus (the image the pod tests use) with <c>scheme: https</c>, a CA file and <c>basic_auth</c>.
/// </summary>
[Collection(WatcherProcess.Collection)]
public sealed class WebConfigPrometheusTests : IDisposable
{
    private const string Password = "s3cret-scrape";
    private readonly TempFolder _folder = new("watcher-tls");
    private readonly TestCertificates _ca = new();

    public void Dispose()
    {
        _ca.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Prometheus_scrapes_over_https_with_basic_auth_and_sees_the_request_total_and_a_wrong_password_leaves_the_target_down_with_401()
    {
        // Given a log of 37 requests and a watcher serving TLS with one user, on every address of this host
        string gateway = await BridgeGatewayAsync();
        var server = _ca.Server(["watcher.test", "localhost"], [IPAddress.Parse(gateway), IPAddress.Loopback]);
        File.WriteAllText(_folder.File("tls.crt"), server.CertificatePem);
        File.WriteAllText(_folder.File("tls.key"), server.KeyPem);
        File.WriteAllText(_folder.File("ca.crt"), _ca.AuthorityPem);
        File.WriteAllText(_folder.File("web-config.yml"), $"""
            tls_server_config:
              cert_file: tls.crt
              key_file: tls.key
            basic_auth_users:
              prometheus: {BCrypt.Net.BCrypt.HashPassword(Password, 10)}
            """);
        File.WriteAllLines(_folder.File("access.log"), Enumerable.Range(0, 37).Select(i => TestLines.MainLine(status: 200 + i % 4, i: i)));
        int port = Ports.Free();
        await using var watcher = WatcherProcess.Start(port,
            $"--Watcher:Path={_folder.File("access.log")}", $"--Http:WebConfigFile={_folder.File("web-config.yml")}");
        using var https = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, _, _) => _ca.Issued(c) },
        }) { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Holds(async () => (await https.GetAsync($"https://localhost:{port}/readyz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), $"the watcher over https; stderr: {watcher.Stderr}; stdout: {watcher.Stdout}");

        // When a Prometheus scrapes it with the right password, and as a second job with a wrong one
        string target = $"{gateway}:{port}";
        File.WriteAllText(_folder.File("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: watcher
                scheme: https
                tls_config: {"{"}ca_file: /etc/prometheus/ca.crt, server_name: watcher.test{"}"}
                basic_auth: {"{"}username: prometheus, password: {Password}{"}"}
                static_configs: [{"{"}targets: ["{target}"]{"}"}]
              - job_name: wrong-password
                scheme: https
                tls_config: {"{"}ca_file: /etc/prometheus/ca.crt, server_name: watcher.test{"}"}
                basic_auth: {"{"}username: prometheus, password: guess{"}"}
                static_configs: [{"{"}targets: ["{target}"]{"}"}]
            """);
        await using var prometheus = new ContainerBuilder(TestImages.Prometheus)
            .WithLabel(PodRunner.Label, "watcher-tls")
            .WithBindMount(_folder.File("prometheus.yml"), "/etc/prometheus/prometheus.yml", AccessMode.ReadOnly)
            .WithBindMount(_folder.File("ca.crt"), "/etc/prometheus/ca.crt", AccessMode.ReadOnly)
            .WithCommand("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus")
            .WithPortBinding(9090, assignRandomHostPort: true)
            .Build();
        await prometheus.StartAsync();
        var api = new Uri($"http://127.0.0.1:{prometheus.GetMappedPublicPort(9090)}/api/v1/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        // Then the query API returns the request total of the good job
        double seen = -1;
        await Eventually.Holds(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(api, "query?query=sum(nginx_http_requests_total%7Bjob%3D%22watcher%22%7D)")));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            seen = result.GetArrayLength() == 0 ? -1 : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            return seen == 37;
        }, TimeSpan.FromSeconds(60), "Prometheus to report 37 requests");
        Assert.Equal(37, seen);

        // And the wrong password's target is down with a 401
        string lastError = "";
        await Eventually.Holds(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(api, "targets")));
            var wrong = doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Single(t => t.GetProperty("labels").GetProperty("job").GetString() == "wrong-password");
            lastError = wrong.GetProperty("lastError").GetString() ?? "";
            return wrong.GetProperty("health").GetString() == "down" && lastError.Length > 0;
        }, TimeSpan.FromSeconds(30), "the wrong-password target to be down");
        Assert.Contains("401", lastError, StringComparison.Ordinal);
    }

    // This host's address on Docker's default bridge, where a container reaches the watcher. Older
    // engines leave the Gateway field empty: then it is the subnet's first address, as Docker assigns it.
    private static async Task<string> BridgeGatewayAsync()
    {
        string gateway = (await PodRunner.Docker("network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}")).Trim();
        if (IPAddress.TryParse(gateway, out _))
        {
            return gateway;
        }
        string subnet = (await PodRunner.Docker("network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}")).Trim();
        byte[] first = IPAddress.Parse(subnet.Split('/')[0]).GetAddressBytes();
        first[^1]++;
        return new IPAddress(first).ToString();
    }
}
