using k8s;
using k8s.Models;
using Sidecars.Testing;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Monitoring;

/// <summary>
/// monitoring/kustomization.yaml: the PodMonitors of both paths (the Deployment's pods, and the lesson's pods from
/// components/lesson-pods), the PrometheusRule and the dashboard's ConfigMap, with the watcher's job set once in
/// watcher-job.yaml.
/// </summary>
public sealed class MonitoringKustomizationTests
{
    private static async Task<List<YamlMappingNode>> RenderAsync(string? folder = null) =>
        MonitoringFiles.ParseYamlDocuments(await Kustomize.RenderAsync(folder ?? MonitoringFiles.Folder));

    private static YamlMappingNode Named(List<YamlMappingNode> objects, string kind, string name) =>
        Assert.Single(objects, o => o.Str("kind") == kind && o.Map("metadata").Str("name") == name);

    private static YamlMappingNode Kind(List<YamlMappingNode> objects, string kind) => Assert.Single(objects, o => o.Str("kind") == kind);

    /// <summary>The job a PodMonitor gives its targets: its relabeling of <c>job</c>, else the pod label named by jobLabel.</summary>
    private static string JobOf(YamlMappingNode monitor, V1PodTemplateSpec pod)
    {
        var spec = monitor.Map("spec");
        var endpoint = Assert.Single(spec.Seq("podMetricsEndpoints").Maps());
        var relabel = (endpoint.Find("relabelings") as YamlSequenceNode)?.Maps().SingleOrDefault(r => r.StrOrNull("targetLabel") == "job");
        return relabel is not null ? relabel.Str("replacement") : pod.Metadata.Labels[spec.Str("jobLabel")];
    }

    private static string WatcherJobDown(List<YamlMappingNode> objects) =>
        new RuleFile(Kind(objects, "PrometheusRule").Map("spec")).Alerts.Single(a => a.Name == "SidecarsWatcherDown").Expr;

    private static V1PodTemplateSpec LessonPod(string file)
    {
        var pod = Assert.IsType<V1Pod>(Assert.Single(KubernetesYaml.LoadAllFromString(File.ReadAllText(RepositoryLayout.PathOf("manifests", file)))));
        return new V1PodTemplateSpec { Metadata = pod.Metadata, Spec = pod.Spec };
    }

    private static async Task<V1PodTemplateSpec> DeploymentPodAsync() =>
        (await Kustomize.RenderObjectsAsync(RepositoryLayout.PathOf("manifests", "webserver", "base"))).OfType<V1Deployment>().Single().Spec.Template;

    private static string ConfiguredJob =>
        MonitoringFiles.LoadYaml(Path.Combine(MonitoringFiles.Folder, "watcher-job.yaml")).Map("data").Str("watcherJob");

    [Fact]
    public async Task Renders_the_pod_monitors_of_both_paths_the_rule_and_the_dashboard()
    {
        var objects = await RenderAsync();
        // The ConfigMap in watcher-job.yaml is kustomize's input only: it is not applied.
        Assert.Equal(["ConfigMap/sidecars-dashboard", "PodMonitor/mc1", "PodMonitor/webserver", "PodMonitor/webserver-pod", "PrometheusRule/sidecars"],
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

    public static TheoryData<string, string> WatcherPods() => new()
    {
        { "webserver", "the Deployment" },
        { "webserver-pod", "pods02.yaml" },
    };

    [Theory]
    [MemberData(nameof(WatcherPods))]
    public async Task Each_watchers_pod_monitor_selects_its_pods_only_and_names_them_the_job_the_alert_selects(string monitorName, string pods)
    {
        // Given the pods of both paths, and the lesson's plain nginx pod and writer pod
        var deployment = await DeploymentPodAsync();
        var lesson = LessonPod("pods02.yaml");
        var others = new[] { LessonPod("pods01.yaml"), LessonPod("pods03.yaml") };
        var own = pods == "pods02.yaml" ? lesson : deployment;
        var objects = await RenderAsync();
        var monitor = Named(objects, "PodMonitor", monitorName);
        var selector = monitor.Map("spec").Map("selector");

        // Then the PodMonitor selects its own pods and no other: two monitors would scrape a pod twice
        Assert.True(LabelSelector.Selects(selector, own.Metadata.Labels), $"{monitorName} does not select {pods}");
        Assert.False(LabelSelector.Selects(selector, (own == lesson ? deployment : lesson).Metadata.Labels));
        Assert.All(others, p => Assert.False(LabelSelector.Selects(selector, p.Metadata.Labels), $"{monitorName} selects {p.Metadata.Name}"));

        // and scrapes a port they declare, at the path their annotations give
        var endpoint = Assert.Single(monitor.Map("spec").Seq("podMetricsEndpoints").Maps());
        var ports = (own.Spec.InitContainers ?? []).Concat(own.Spec.Containers).SelectMany(c => c.Ports ?? []);
        var port = Assert.Single(ports, p => p.Name == endpoint.Str("port"));
        Assert.Equal(own.Metadata.Annotations["prometheus.io/port"], port.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(own.Metadata.Annotations["prometheus.io/path"], endpoint.Str("path"));

        // and gives them the job of watcher-job.yaml, which the alert selects
        Assert.Equal(ConfiguredJob, JobOf(monitor, own));
        Assert.Contains($"up{{job=\"{ConfiguredJob}\"}}", WatcherJobDown(objects), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_writers_pod_monitor_selects_mc1_only_as_job_mc1()
    {
        var objects = await RenderAsync();
        var monitor = Named(objects, "PodMonitor", "mc1");
        var mc1 = LessonPod("pods03.yaml");
        Assert.True(LabelSelector.Selects(monitor.Map("spec").Map("selector"), mc1.Metadata.Labels));
        Assert.False(LabelSelector.Selects(monitor.Map("spec").Map("selector"), LessonPod("pods02.yaml").Metadata.Labels));
        Assert.False(LabelSelector.Selects(monitor.Map("spec").Map("selector"), (await DeploymentPodAsync()).Metadata.Labels));
        var endpoint = Assert.Single(monitor.Map("spec").Seq("podMetricsEndpoints").Maps());
        Assert.Contains(mc1.Spec.Containers.SelectMany(c => c.Ports ?? []), p => p.Name == endpoint.Str("port"));
        Assert.Equal("mc1", JobOf(monitor, mc1));
    }

    [Fact]
    public async Task Changing_the_one_job_value_renames_the_job_of_both_paths_and_the_alert_fires_for_it()
    {
        // Given a copy of monitoring/ where watcher-job.yaml, and nothing else, names the job `shop`
        using var copy = new TempFolder("monitoring-job");
        CopyFolder(MonitoringFiles.Folder, copy.Path);
        string jobFile = Path.Combine(copy.Path, "watcher-job.yaml");
        string original = File.ReadAllText(jobFile);
        File.WriteAllText(jobFile, original.Replace("watcherJob: webserver", "watcherJob: shop", StringComparison.Ordinal));
        Assert.NotEqual(original, File.ReadAllText(jobFile));

        // When it is rendered
        var objects = await RenderAsync(copy.Path);

        // Then both watchers' PodMonitors and the alert carry it, and the writer keeps its own job
        Assert.Equal("shop", JobOf(Named(objects, "PodMonitor", "webserver"), await DeploymentPodAsync()));
        Assert.Equal("shop", JobOf(Named(objects, "PodMonitor", "webserver-pod"), LessonPod("pods02.yaml")));
        Assert.Equal("mc1", JobOf(Named(objects, "PodMonitor", "mc1"), LessonPod("pods03.yaml")));
        Assert.Equal("up{job=\"shop\"} == 0", WatcherJobDown(objects));

        // and promtool, on the rendered PrometheusRule, fires the alert for the lesson pod and a Deployment pod of job
        // `shop`, and not for a target still called `webserver`
        using var rules = new TempFolder("promtool-job");
        MonitoringFiles.SaveYaml(Kind(objects, "PrometheusRule").Map("spec"), rules.File("rendered.rules.yml"));
        File.WriteAllText(rules.File("tests.yml"), """
            rule_files: [rendered.rules.yml]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="shop",namespace="web",pod="webserver",instance="10.0.0.1:9145"}'
                    values: '0x10'
                  - series: 'up{job="shop",namespace="web",pod="webserver-7c9d8-x2x4p",instance="10.0.0.2:9145"}'
                    values: '0x10'
                  - series: 'up{job="webserver",namespace="web",pod="other",instance="10.0.0.3:9145"}'
                    values: '0x10'
                alert_rule_test:
                  - alertname: SidecarsWatcherDown
                    eval_time: 6m
                    exp_alerts:
                      - exp_labels: {severity: warning, job: shop, namespace: web, pod: webserver, instance: "10.0.0.1:9145"}
                        exp_annotations:
                          summary: The watcher in web/webserver cannot be scraped.
                          description: >-
                            Prometheus has failed to scrape the watcher of pod web/webserver (10.0.0.1:9145) for 5 minutes.
                            Its requests are not visible meanwhile; with its state volume it counts them when it is back.
                      - exp_labels: {severity: warning, job: shop, namespace: web, pod: webserver-7c9d8-x2x4p, instance: "10.0.0.2:9145"}
                        exp_annotations:
                          summary: The watcher in web/webserver-7c9d8-x2x4p cannot be scraped.
                          description: >-
                            Prometheus has failed to scrape the watcher of pod web/webserver-7c9d8-x2x4p (10.0.0.2:9145) for 5 minutes.
                            Its requests are not visible meanwhile; with its state volume it counts them when it is back.
            """);
        var (exitCode, output) = await Promtool.RunAsync(rules.Path, "test", "rules", "tests.yml");
        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_job_value_is_written_in_watcher_job_yaml_and_copied_everywhere_else()
    {
        // Every other place that names the watcher's job is a replacement target in kustomization.yaml.
        var kustomization = MonitoringFiles.LoadYaml(Path.Combine(MonitoringFiles.Folder, "kustomization.yaml"));
        var replacement = Assert.Single(kustomization.Seq("replacements").Maps());
        Assert.Equal("data.watcherJob", replacement.Map("source").Str("fieldPath"));
        var targets = replacement.Seq("targets").Maps().Select(t => $"{t.Map("select").Str("kind")}/{t.Map("select").Str("name")}");
        Assert.Equal(["PodMonitor/webserver", "PodMonitor/webserver-pod", "PrometheusRule/sidecars"], targets.Order(StringComparer.Ordinal));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
