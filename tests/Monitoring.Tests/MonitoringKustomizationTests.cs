using k8s.Models;
using Sidecars.Testing;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Monitoring;

/// <summary>monitoring/kustomization.yaml: the PodMonitor, the PrometheusRule and the dashboard's ConfigMap.</summary>
public sealed class MonitoringKustomizationTests
{
    private static async Task<List<YamlMappingNode>> RenderAsync() =>
        MonitoringFiles.ParseYamlDocuments(await Kustomize.RenderAsync(MonitoringFiles.Folder));

    private static YamlMappingNode Kind(List<YamlMappingNode> objects, string kind) => Assert.Single(objects, o => o.Str("kind") == kind);

    [Fact]
    public async Task Renders_the_pod_monitor_the_rule_and_the_dashboard()
    {
        var objects = await RenderAsync();
        Assert.Equal(["ConfigMap/sidecars-dashboard", "PodMonitor/webserver", "PrometheusRule/sidecars"],
            objects.Select(o => $"{o.Str("kind")}/{o.Map("metadata").Str("name")}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Dashboard_config_map_carries_the_grafana_sidecar_label_and_the_json_unchanged()
    {
        var configMap = Kind(await RenderAsync(), "ConfigMap");
        var labels = (configMap.Map("metadata").Find("labels") as YamlMappingNode).StringMap();
        Assert.Equal("1", labels["grafana_dashboard"]);
        var data = configMap.Map("data").StringMap();
        Assert.Equal(File.ReadAllText(MonitoringFiles.Dashboard), Assert.Single(data, d => d.Key == "sidecars.json").Value);
        // One name for every version of the dashboard: the sidecar would show two copies side by side.
        Assert.Equal("sidecars-dashboard", configMap.Map("metadata").Str("name"));
    }

    [Fact]
    public async Task Prometheus_rule_is_the_rendered_file()
    {
        var rule = Kind(await RenderAsync(), "PrometheusRule");
        Assert.Equal(MonitoringFiles.Canonical(MonitoringFiles.LoadYaml(MonitoringFiles.RuleFile)), MonitoringFiles.Canonical(rule.Map("spec")));
    }

    [Fact]
    public async Task Pod_monitor_scrapes_the_deployments_pods_as_the_job_the_alerts_select()
    {
        // Given the Deployment's pod template as manifests/webserver/base renders it
        var deployment = (await Kustomize.RenderObjectsAsync(RepositoryLayout.PathOf("manifests", "webserver", "base")))
            .OfType<V1Deployment>().Single();
        var template = deployment.Spec.Template;
        var monitor = Kind(await RenderAsync(), "PodMonitor").Map("spec");

        // Then the PodMonitor selects it, scrapes a port it declares, and names the job after a pod label
        var matchLabels = monitor.Map("selector").Map("matchLabels").StringMap();
        Assert.All(matchLabels, l => Assert.Equal(l.Value, template.Metadata.Labels[l.Key]));
        var endpoint = Assert.Single(monitor.Seq("podMetricsEndpoints").Maps());
        var ports = template.Spec.InitContainers.Concat(template.Spec.Containers).SelectMany(c => c.Ports ?? []);
        var port = Assert.Single(ports, p => p.Name == endpoint.Str("port"));
        Assert.Equal(template.Metadata.Annotations["prometheus.io/port"], port.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string job = template.Metadata.Labels[monitor.Str("jobLabel")];
        var down = RuleFile.Load(MonitoringFiles.RuleFile).Alerts.Single(a => a.Name == "SidecarsWatcherDown");
        Assert.Contains($"job=\"{job}\"", down.Expr, StringComparison.Ordinal);
    }
}
