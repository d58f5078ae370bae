using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Manifests;

/// <summary>podmonitor.yaml: a Prometheus Operator CRD, read as plain YAML.</summary>
public sealed class PodMonitorTests
{
    private readonly YamlMappingNode monitor = ManifestFiles.LoadGeneric(ManifestFiles.PodMonitor);

    private static readonly V1Pod[] SidecarPods = [ManifestFiles.Pod(ManifestFiles.Pods02), ManifestFiles.Pod(ManifestFiles.Pods03)];

    /// <summary>A label selector's matchLabels and matchExpressions, evaluated as Kubernetes does.</summary>
    private bool Selects(V1Pod pod)
    {
        var labels = pod.Metadata.Labels ?? new Dictionary<string, string>();
        var selector = monitor.Map("spec").Map("selector");
        var byLabels = (selector.Find("matchLabels") as YamlMappingNode)?.StringMap() ?? [];
        var expressions = (selector.Find("matchExpressions") as YamlSequenceNode)?.Maps() ?? [];
        return byLabels.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value)
            && expressions.All(e =>
            {
                var has = labels.TryGetValue(e.Str("key"), out var value);
                var values = (e.Find("values") as YamlSequenceNode)?.Strings().ToList() ?? [];
                return e.Str("operator") switch
                {
                    "In" => has && values.Contains(value!),
                    "NotIn" => !has || !values.Contains(value!),
                    "Exists" => has,
                    "DoesNotExist" => !has,
                    var op => throw new Xunit.Sdk.XunitException($"unknown operator {op}"),
                };
            });
    }

    [Fact]
    public void Is_a_prometheus_operator_pod_monitor()
    {
        Assert.Equal("monitoring.coreos.com/v1", monitor.Str("apiVersion"));
        Assert.Equal("PodMonitor", monitor.Str("kind"));
        Assert.False(string.IsNullOrEmpty(monitor.Map("metadata").Str("name")));
    }

    [Fact]
    public void Selects_both_sidecar_pods_and_not_the_lesson_pod()
    {
        Assert.All(SidecarPods, pod => Assert.True(Selects(pod), $"{pod.Metadata.Name} is not selected"));
        Assert.False(Selects(ManifestFiles.Pod(ManifestFiles.Pods01)));
        Assert.NotEmpty(monitor.Map("spec").Map("selector").Map("matchLabels").Children);
    }

    [Fact]
    public async Task Leaves_the_deployments_pods_to_their_own_pod_monitor()
    {
        // monitoring/podmonitor-webserver.yaml scrapes them; two monitors would scrape every pod twice.
        var template = await WebserverManifests.PodAsync(WebserverManifests.Base);
        Assert.Equal("webserver", template.Metadata.Labels["app.kubernetes.io/name"]);
        Assert.False(Selects(template));
    }

    [Fact]
    public void Job_label_is_each_pods_name_label()
    {
        // The alerts in monitoring/ select job="webserver" for the watcher.
        Assert.Equal("app.kubernetes.io/name", monitor.Map("spec").Str("jobLabel"));
        Assert.Equal("webserver", ManifestFiles.Pod(ManifestFiles.Pods02).Metadata.Labels["app.kubernetes.io/name"]);
    }

    [Fact]
    public void Scrapes_the_metrics_port_both_pods_name_every_15_seconds()
    {
        var endpoint = Assert.Single(monitor.Map("spec").Seq("podMetricsEndpoints").Maps());
        Assert.Equal("metrics", endpoint.Str("port"));
        Assert.Equal("15s", endpoint.Str("interval"));
        foreach (var pod in SidecarPods)
        {
            Assert.Contains(pod.Spec.Containers.SelectMany(c => c.Ports ?? []), p => p.Name == endpoint.Str("port"));
            Assert.Equal(pod.Metadata.Annotations["prometheus.io/path"], endpoint.Str("path"));
        }
    }
}
