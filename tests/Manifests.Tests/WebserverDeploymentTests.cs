using System.Text.RegularExpressions;
using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// manifests/webserver/base: the `webserver` Deployment with the watcher as a native sidecar, its Service,
/// PodDisruptionBudget and the hashed log-format ConfigMap, as kustomize renders them.
/// </summary>
public sealed partial class WebserverDeploymentTests
{
    private static Task<V1Pod> PodAsync() => WebserverManifests.PodAsync(WebserverManifests.Base);

    [GeneratedRegex("^nginx-log-format-[a-z0-9]{10}$")]
    private static partial Regex HashedName();

    [Fact]
    public async Task Renders_a_deployment_a_service_a_disruption_budget_and_the_config_map()
    {
        var objects = await WebserverManifests.RenderAsync(WebserverManifests.Base);
        Assert.Equal(
            ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service"],
            objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>().Select(o => o.Kind).Order(StringComparer.Ordinal));
        Assert.All(objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>(), o => Assert.Equal("sidecars", o.Metadata.Labels["app.kubernetes.io/part-of"]));
    }

    [Fact]
    public async Task Keeps_the_lessons_names_with_the_watcher_as_a_native_sidecar()
    {
        var deployment = await WebserverManifests.DeploymentAsync(WebserverManifests.Base);
        var pod = await PodAsync();
        Assert.Equal("webserver", deployment.Metadata.Name);
        Assert.Equal(["webserver"], pod.Spec.Containers.Select(c => c.Name));
        var watcher = Assert.Single(pod.Spec.InitContainers);
        Assert.Equal("webwatcher", watcher.Name);
        // restartPolicy: Always makes an init container a sidecar: started first, kept running, stopped last.
        Assert.Equal("Always", watcher.RestartPolicy);
    }

    [Fact]
    public async Task Nginx_starts_only_once_the_watchers_startup_probe_sees_it_ready()
    {
        var watcher = (await PodAsync()).InitContainer("webwatcher");
        // Without a startup probe the kubelet would start nginx as soon as the watcher's process runs.
        Assert.Equal("/readyz", watcher.StartupProbe?.HttpGet?.Path);
        Assert.Equal("probes", watcher.StartupProbe!.HttpGet.Port.Value);
        Assert.True(watcher.StartupProbe.PeriodSeconds * watcher.StartupProbe.FailureThreshold >= 30, "give the watcher at least 30 s to start");
        SidecarChecks.AssertProbesOnProbePort(watcher, 9145, 8090);
    }

    [Fact]
    public void Minimum_kubernetes_version_and_the_variant_for_older_clusters_are_documented()
    {
        string deployment = File.ReadAllText(Path.Combine(WebserverManifests.Folder(WebserverManifests.Base), "deployment.yaml"));
        string readme = File.ReadAllText(RepositoryLayout.PathOf("README.md"));
        Assert.Contains("Kubernetes 1.29 or later", deployment, StringComparison.Ordinal);
        Assert.Contains("plain-containers", deployment, StringComparison.Ordinal);
        Assert.Contains("1.29 or later", readme, StringComparison.Ordinal);
        Assert.Contains("manifests/webserver/overlays/plain-containers/", readme, StringComparison.Ordinal);
        Assert.True(Directory.Exists(WebserverManifests.Folder(WebserverManifests.PlainContainers)));
    }

    [Fact]
    public async Task Runs_several_replicas_and_selects_only_its_own_pods()
    {
        var deployment = await WebserverManifests.DeploymentAsync(WebserverManifests.Base);
        Assert.True(deployment.Spec.Replicas >= 2, "several replicas");
        Assert.True(deployment.Spec.Selector.Selects(deployment.Spec.Template.Metadata.Labels));
        // The lesson's bare pod `webserver` (pods02.yaml) has the same name label: the ReplicaSet must not adopt it.
        Assert.False(deployment.Spec.Selector.Selects(ManifestFiles.Pod(ManifestFiles.Pods02).Metadata.Labels));
        // A rollout never takes a replica away before its successor is ready.
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
    }

    [Fact]
    public async Task Service_sends_port_80_to_nginx_by_port_name()
    {
        var objects = await WebserverManifests.RenderAsync(WebserverManifests.Base);
        var service = Assert.Single(objects.OfType<V1Service>());
        var pod = await PodAsync();
        Assert.True(new V1LabelSelector { MatchLabels = service.Spec.Selector }.Selects(pod.Metadata.Labels));
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(80, port.Port);
        // By name, so the restricted overlay's 8080 needs no change here.
        Assert.Equal("http", port.TargetPort.Value);
        Assert.Contains(pod.Container("webserver").Ports, p => p.Name == "http");
    }

    [Fact]
    public async Task Disruption_budget_covers_the_replicas_and_lets_one_go_at_a_time()
    {
        var objects = await WebserverManifests.RenderAsync(WebserverManifests.Base);
        var budget = Assert.Single(objects.OfType<V1PodDisruptionBudget>());
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        Assert.Equal(deployment.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.True(deployment.Spec.Replicas > 1, "with one replica a budget of one blocks nothing but serves nobody");
    }

    [Fact]
    public async Task Pod_mounts_no_service_account_token()
    {
        Assert.False((await PodAsync()).Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public async Task Watcher_runs_hardened_as_uid_1654_with_the_pods_resources()
    {
        var pod = await PodAsync();
        var watcher = pod.InitContainer("webwatcher");
        SidecarChecks.AssertHardened(pod, watcher);
        SidecarChecks.AssertResources(watcher, "20m", "32Mi", "200m", "128Mi");
        SidecarChecks.AssertScrapeAnnotations(pod, watcher);
    }

    [Fact]
    public async Task Nginx_is_hardened_as_far_as_the_official_image_allows()
    {
        var pod = await PodAsync();
        var nginx = pod.Container("webserver");
        Assert.Equal("nginx:1.27", nginx.Image);
        var security = nginx.SecurityContext;
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        // The master binds port 80, chowns its temp folders to the workers' user and switches to it.
        Assert.Equal(["CHOWN", "NET_BIND_SERVICE", "SETGID", "SETUID"], security.Capabilities.Add.Order(StringComparer.Ordinal));
        Assert.Equal("RuntimeDefault", (security.SeccompProfile ?? pod.Spec.SecurityContext.SeccompProfile).Type);
        Assert.NotEqual(true, security.Privileged);
        // Root to bind port 80, as the official image runs it.
        Assert.Null(security.RunAsUser ?? pod.Spec.SecurityContext.RunAsUser);

        Assert.NotNull(nginx.Resources.Requests["cpu"]);
        Assert.NotNull(nginx.Resources.Requests["memory"]);
        Assert.True(nginx.Resources.Limits["memory"].ToDecimal() >= nginx.Resources.Requests["memory"].ToDecimal());
        Assert.Equal("http", nginx.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("http", nginx.LivenessProbe.TcpSocket.Port.Value);
    }

    [Fact]
    public async Task Log_format_config_map_name_carries_a_hash_and_both_containers_mount_it()
    {
        var objects = await WebserverManifests.RenderAsync(WebserverManifests.Base);
        var configMap = Assert.Single(objects.OfType<V1ConfigMap>());
        Assert.Matches(HashedName(), configMap.Metadata.Name);
        var pod = await PodAsync();
        Assert.Equal(configMap.Metadata.Name, pod.Volume("log-format").ConfigMap.Name);

        // nginx includes the format and the watcher reads it from one volume: one version for both.
        var nginx = pod.Container("webserver");
        var watcher = pod.InitContainer("webwatcher");
        var included = nginx.MustResolve("/etc/nginx/conf.d/log-format.conf");
        var read = watcher.MustResolve(watcher.Env("Watcher__FormatFile"));
        Assert.Equal(("log-format", "log-format.conf"), (included.Volume, included.PathInVolume));
        Assert.Equal(("log-format", "log-format.conf"), (read.Volume, read.PathInVolume));
        Assert.Equal(("log-format", "rotate-and-run.sh"), (nginx.MustResolve(Assert.Single(nginx.Command)).Volume, nginx.MustResolve(nginx.Command[0]).PathInVolume));
    }

    [Fact]
    public async Task Editing_the_log_format_makes_a_new_config_map_and_a_new_pod_template()
    {
        // Given a copy of the base with one more comment in the format file
        using var copy = new TempFolder("webserver-edit");
        CopyFolder(WebserverManifests.Folder(WebserverManifests.Base), copy.Path);
        File.AppendAllText(Path.Combine(copy.Path, "nginx", "log-format.conf"), "# edited\n");

        // When kustomize renders both
        var before = await WebserverManifests.DeploymentAsync(WebserverManifests.Base);
        var after = Assert.Single((await Kustomize.RenderObjectsAsync(copy.Path)).OfType<V1Deployment>());

        // Then the template names another ConfigMap: the Deployment rolls its pods
        string oldName = before.Spec.Template.Spec.Volumes.Single(v => v.Name == "log-format").ConfigMap.Name;
        string newName = after.Spec.Template.Spec.Volumes.Single(v => v.Name == "log-format").ConfigMap.Name;
        Assert.NotEqual(oldName, newName);
        Assert.Matches(HashedName(), newName);
    }

    [Fact]
    public async Task Log_format_is_the_lesson_pods_plus_the_cache_status_and_the_rotation_script_is_the_same()
    {
        var generated = Assert.Single((await WebserverManifests.RenderAsync(WebserverManifests.Base)).OfType<V1ConfigMap>()).Data;
        var lesson = ManifestFiles.LogFormatConfigMap().Data;
        Assert.Equal(
            NginxConfigText.LogFormat(lesson["log-format.conf"], "sidecar") + " ucs=$upstream_cache_status",
            NginxConfigText.LogFormat(generated["log-format.conf"], "sidecar"));
        Assert.Equal(NginxConfigText.AccessLogs(lesson["log-format.conf"]), NginxConfigText.AccessLogs(generated["log-format.conf"]));
        Assert.Equal(lesson["rotate-and-run.sh"], generated["rotate-and-run.sh"]);
    }

    [Fact]
    public async Task Nginx_accepts_the_generated_log_format()
    {
        var config = Assert.Single((await WebserverManifests.RenderAsync(WebserverManifests.Base)).OfType<V1ConfigMap>()).Data["log-format.conf"];
        using var folder = new TempFolder("webserver-nginx");
        File.WriteAllText(folder.File("log-format.conf"), config.Replace("/var/log/nginx/shared/", folder.Path + "/", StringComparison.Ordinal));
        File.WriteAllText(folder.File("nginx.conf"), $"events {{}}\nhttp {{\n  include {folder.File("log-format.conf")};\n}}\n");

        var result = await ExternalTool.RunAsync(
            "nginx",
            ["-t", "-q", "-p", folder.Path, "-c", folder.File("nginx.conf"), "-e", folder.File("error.log"), "-g", $"pid {folder.File("nginx.pid")};"]);

        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public async Task Every_image_is_set_in_the_kustomizations_images()
    {
        var overrides = KustomizeImages.Read(ManifestFiles.LoadGenericFromString(
            File.ReadAllText(Path.Combine(WebserverManifests.Folder(WebserverManifests.Base), "kustomization.yaml"))));
        var images = (await PodAsync()).Spec.AllContainers().Select(c => c.Image).ToList();
        Assert.Equal(2, images.Count);
        Assert.All(images, image => Assert.True(overrides.Covers(image), $"{image} has no images: entry"));
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
