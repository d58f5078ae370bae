using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Sidecars.Testing;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Pods;

/// <summary>
/// A pod of the `webserver` Deployment and the lesson's `mc1` (the writer), scraped by a real Prometheus that
/// loads monitoring/rules/sidecars.rules.yml, with the target labels the PodMonitors of monitoring/ (rendered) give
/// (job as they set it, namespace, pod, container); then traffic that touches every panel: plain pages, 404s, and nginx
/// as a caching proxy (MISS, HIT, and 502 from a dead upstream). Shared by the tests of one class.
/// </summary>
public sealed class MonitoredPods : IAsyncLifetime
{
    public const string Namespace = "sidecars-test";

    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TempFolder _config = new("prometheus");

    public PodRunner Webserver { get; private set; } = null!;

    public PodRunner Mc1 { get; private set; } = null!;

    public IContainer Prometheus { get; private set; } = null!;

    public Uri PrometheusAddress => new($"http://127.0.0.1:{Prometheus.GetMappedPublicPort(9090)}");

    /// <summary>When the last request of the traffic was answered.</summary>
    public DateTimeOffset TrafficEnded { get; private set; }

    /// <summary>Lines nginx logged (and the watcher counted) by the end of the traffic.</summary>
    public double RequestsCounted { get; private set; }

    // nginx as a caching proxy for the upstream and cache panels: requests with Host proxy.test go through a
    // cache to a second server in the same nginx; /down goes to a port nobody listens on (502). The upstream is
    // on 127.0.0.1:8082: 8081 is the pod's stub_status server (stub-status.conf), which would answer first.
    private const string ProxyConfig = """
        proxy_cache_path /var/cache/nginx/sidecars-test keys_zone=sidecars_test:1m;
        server {
            listen 80;
            server_name proxy.test;
            location / {
                proxy_pass http://127.0.0.1:8082;
                proxy_cache sidecars_test;
                proxy_cache_valid 200 10m;
            }
            location /down {
                proxy_pass http://127.0.0.1:9;
            }
        }
        server {
            listen 127.0.0.1:8082;
            root /usr/share/nginx/html;
        }
        """;

    public async Task InitializeAsync()
    {
        // Given the pods
        Webserver = await PodRunner.StartDeploymentPodAsync("webserver",
            await Kustomize.RenderObjectsAsync(RepositoryLayout.PathOf("manifests", "webserver", "base")));
        Mc1 = await PodRunner.StartAsync("mc1", RepositoryLayout.PathOf("manifests", "pods03.yaml"));
        await Eventually.Holds(async () => (await s_http.GetAsync(Webserver.Address(80))).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "nginx");
        await Eventually.Holds(async () => (await s_http.GetAsync(new Uri(Mc1.Address(9146), "/readyz"))).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the writer");
        await Webserver.ExecAsync("webserver", "sh", "-c",
            "printf '%s\\n' \"$1\" > /etc/nginx/conf.d/zz-sidecars-test-proxy.conf && nginx -t -q && nginx -s reload", "sh", ProxyConfig);
        await Eventually.Holds(async () => (await SendAsync("proxy.test", "/index.html")) == 200, TimeSpan.FromSeconds(30), "nginx proxying");

        // and a Prometheus scraping them every second, as the PodMonitors would
        await File.WriteAllTextAsync(_config.File("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - /etc/prometheus/rules/sidecars.rules.yml
            scrape_configs:
            {await ScrapeConfigAsync(Webserver, "webserver")}
            {await ScrapeConfigAsync(Mc1, "mc1")}
            """);
        Prometheus = new ContainerBuilder(TestImages.Prometheus)
            .WithLabel(PodRunner.Label, "prometheus")
            .WithBindMount(_config.File("prometheus.yml"), "/etc/prometheus/prometheus.yml", AccessMode.ReadOnly)
            .WithBindMount(RepositoryLayout.PathOf("monitoring", "rules", "sidecars.rules.yml"), "/etc/prometheus/rules/sidecars.rules.yml", AccessMode.ReadOnly)
            .WithCommand("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus")
            .WithPortBinding(9090, assignRandomHostPort: true)
            .Build();
        await Prometheus.StartAsync();
        await Eventually.Holds(async () => await ValueAsync("count(up == 1)") == 2, TimeSpan.FromSeconds(60), "both targets up");

        // When traffic flows, in rounds a few scrapes apart: a series the watcher creates with its first
        // request has no earlier sample, so rate() only sees what comes after the scrape that found it
        for (int round = 0; round < 4; round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            for (int i = 0; i < 10; i++) { Assert.Equal(200, await SendAsync("localhost", "/")); }
            for (int i = 0; i < 3; i++) { Assert.Equal(404, await SendAsync("localhost", "/missing")); }
            // A new URL each round: one cache MISS that goes upstream, then HITs
            for (int i = 0; i < 5; i++) { Assert.Equal(200, await SendAsync("proxy.test", $"/?round={round}")); }
            for (int i = 0; i < 2; i++) { Assert.Equal(502, await SendAsync("proxy.test", "/down")); }
        }
        TrafficEnded = DateTimeOffset.UtcNow;

        // Then Prometheus holds what the watcher counted, and the rules have been evaluated on it
        RequestsCounted = int.Parse((await Webserver.ExecAsync("webserver", "sh", "-c", "wc -l < /var/log/nginx/shared/access.log")).Trim(),
            CultureInfo.InvariantCulture);
        await Eventually.Holds(async () => Exposition.Value(await s_http.GetStringAsync(new Uri(Webserver.Address(9145), "/metrics")),
            "nginx_http_requests_total") == RequestsCounted, TimeSpan.FromSeconds(30), $"the watcher to count the {RequestsCounted} lines nginx logged");
        await Eventually.Holds(async () => await ValueAsync("sum(nginx_http_requests_total)") == RequestsCounted,
            TimeSpan.FromSeconds(60), $"Prometheus to hold {RequestsCounted} requests");
        await Task.Delay(TimeSpan.FromSeconds(3)); // a few evaluations of the rules after the last scrape
    }

    private async Task<int> SendAsync(string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Webserver.Address(80), path));
        request.Headers.Host = host;
        using var response = await s_http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return (int)response.StatusCode;
    }

    // One scrape job per pod, labelled as the Prometheus Operator labels the targets of the PodMonitor named
    // podMonitorName in the rendered monitoring/ kustomization: job from its relabeling, else from its jobLabel.
    private static async Task<string> ScrapeConfigAsync(PodRunner pod, string podMonitorName)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(await Kustomize.RenderAsync(RepositoryLayout.PathOf("monitoring"))));
        var monitor = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).Single(o =>
            ((YamlScalarNode)o["kind"]).Value == "PodMonitor" && ((YamlScalarNode)((YamlMappingNode)o["metadata"])["name"]).Value == podMonitorName);
        var spec = (YamlMappingNode)monitor["spec"];
        var endpoint = (YamlMappingNode)((YamlSequenceNode)spec["podMetricsEndpoints"])[0];
        string portName = ((YamlScalarNode)endpoint["port"]).Value!;
        string path = ((YamlScalarNode)endpoint["path"]).Value!;
        var relabelJob = endpoint.Children.TryGetValue(new YamlScalarNode("relabelings"), out var relabelings)
            ? ((YamlSequenceNode)relabelings).Children.Cast<YamlMappingNode>().SingleOrDefault(r => ((YamlScalarNode)r["targetLabel"]).Value == "job")
            : null;
        string job = relabelJob is not null
            ? ((YamlScalarNode)relabelJob["replacement"]).Value!
            : pod.Pod.Metadata.Labels[((YamlScalarNode)spec["jobLabel"]).Value!];
        var container = (pod.Pod.Spec.InitContainers ?? []).Concat(pod.Pod.Spec.Containers)
            .Single(c => (c.Ports ?? []).Any(p => p.Name == portName));
        int port = container.Ports.Single(p => p.Name == portName).ContainerPort;
        return $$"""
              - job_name: {{job}}
                metrics_path: {{path}}
                static_configs:
                  - targets: ["{{await pod.IpAddressAsync()}}:{{port}}"]
                    labels: {namespace: {{Namespace}}, pod: {{pod.Pod.Metadata.Name}}, container: "{{container.Name}}", endpoint: {{portName}}}
            """;
    }

    /// <summary>Runs an instant query; returns the result array (throws on an error answer).</summary>
    public async Task<JsonElement> QueryAsync(string promql)
    {
        var uri = new Uri(PrometheusAddress, "/api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var document = JsonDocument.Parse(await s_http.GetStringAsync(uri));
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The value of a query with one sample, NaN when there is none.</summary>
    public async Task<double> ValueAsync(string promql)
    {
        var result = await QueryAsync(promql);
        return result.GetArrayLength() == 0 ? double.NaN
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var document = JsonDocument.Parse(await s_http.GetStringAsync(new Uri(PrometheusAddress, path)));
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").Clone();
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }
        if (Mc1 is not null)
        {
            await Mc1.DisposeAsync();
        }
        if (Webserver is not null)
        {
            await Webserver.DisposeAsync();
        }
        _config.Dispose();
    }
}
