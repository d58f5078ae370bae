using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// nginx's stub_status for the watcher, in the lesson pod (pods02.yaml and its ConfigMap) and in the webserver
/// Deployment: a server on the pod's loopback only, kept out of the access logs, at the URL the watcher reads.
/// </summary>
public sealed class StubStatusManifestTests
{
    private const string Key = "stub-status.conf";
    private const string Included = "/etc/nginx/conf.d/stub-status.conf";

    private readonly V1Pod pod = ManifestFiles.Pod(ManifestFiles.Pods02);
    private readonly V1ConfigMap configMap = ManifestFiles.LogFormatConfigMap();

    private string Config => configMap.Data[Key];

    private static async Task<(V1Pod Pod, V1ConfigMap ConfigMap)> DeploymentAsync()
    {
        var objects = await WebserverManifests.RenderAsync(WebserverManifests.Base);
        return (await WebserverManifests.PodAsync(WebserverManifests.Base), Assert.Single(objects.OfType<V1ConfigMap>()));
    }

    /// <summary>The URL nginx serves stub_status at according to <paramref name="config"/>.</summary>
    private static Uri StubStatusUrl(string config)
    {
        var statements = NginxConfigText.Statements(config);
        var listen = Assert.Single(statements, s => s is ["listen", ..]);
        // `location = /stub_status {` followed by `stub_status;`
        int at = Assert.Single(Enumerable.Range(0, statements.Count - 1), i => statements[i + 1] is ["stub_status"]);
        Assert.True(statements[at] is ["location", .., "{"], $"stub_status outside a location: {string.Join(' ', statements[at])}");
        return new Uri($"http://{listen[1]}{statements[at][^2]}");
    }

    [Fact]
    public void Server_listens_on_the_pods_loopback_only()
    {
        var listens = NginxConfigText.Statements(Config).Where(s => s is ["listen", ..]).ToList();
        Assert.NotEmpty(listens);
        // No `listen 8081;` (every address) and no extra parameters such as `default_server` for port 80.
        Assert.All(listens, l => Assert.Equal(2, l.Count));
        Assert.All(listens, l => Assert.StartsWith("127.0.0.1:", l[1], StringComparison.Ordinal));
    }

    [Fact]
    public void Stub_status_reads_are_kept_out_of_the_access_logs()
    {
        var statements = NginxConfigText.Statements(Config);
        Assert.Contains(statements, s => s is ["access_log", "off"]);
        Assert.DoesNotContain(statements, s => s is ["access_log", _, ..] && s[1] != "off");
    }

    [Fact]
    public void Nothing_else_than_the_status_page_is_served_there()
    {
        var statements = NginxConfigText.Statements(Config);
        Assert.Contains(statements, s => s is ["location", "/", "{"]);
        Assert.Contains(statements, s => s is ["return", "404"]);
        Assert.DoesNotContain(statements, s => s is ["root", ..] or ["proxy_pass", ..]);
    }

    [Fact]
    public async Task Nginx_accepts_the_stub_status_server_next_to_the_log_format()
    {
        using var folder = new TempFolder("manifests-stub-status");
        // Both conf.d files as the official nginx.conf includes them, the shared log redirected into the temp folder.
        File.WriteAllText(folder.File("log-format.conf"), configMap.Data["log-format.conf"].Replace("/var/log/nginx/shared/", folder.Path + "/", StringComparison.Ordinal));
        File.WriteAllText(folder.File(Key), Config);
        File.WriteAllText(folder.File("nginx.conf"), $"events {{}}\nhttp {{\n  include {folder.File("log-format.conf")};\n  include {folder.File(Key)};\n}}\n");

        var result = await ExternalTool.RunAsync(
            "nginx",
            ["-t", "-q", "-p", folder.Path, "-c", folder.File("nginx.conf"), "-e", folder.File("error.log"), "-g", $"pid {folder.File("nginx.pid")};"]);

        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public void Nginx_of_the_lesson_pod_includes_it_from_conf_d()
    {
        var nginx = pod.Container("webserver");
        var included = nginx.MustResolve(Included);
        Assert.Equal(("log-format", Key, true), (included.Volume, included.PathInVolume, included.ReadOnly));
        Assert.Equal(configMap.Metadata.Name, pod.Volume(included.Volume).ConfigMap.Name);
        Assert.Contains(nginx.VolumeMounts, m => m.MountPath == Included && m.SubPath == Key);
    }

    [Fact]
    public void Watcher_of_the_lesson_pod_reads_the_page_nginx_serves()
    {
        Assert.Equal(StubStatusUrl(Config), new Uri(pod.Container("webwatcher").Env("Watcher__StubStatusUrl")));
    }

    [Fact]
    public void No_container_port_exposes_the_stub_status_port()
    {
        int port = StubStatusUrl(Config).Port;
        Assert.DoesNotContain(pod.Spec.Containers.SelectMany(c => c.Ports ?? []), p => p.ContainerPort == port);
    }

    [Fact]
    public async Task Deployment_has_the_same_server_and_its_watcher_reads_it()
    {
        var (deploymentPod, generated) = await DeploymentAsync();
        string config = generated.Data[Key];

        // The same statements as the lesson pod's (the comments differ)
        Assert.Equal(NginxConfigText.Statements(Config), NginxConfigText.Statements(config));

        // included by nginx from the hashed ConfigMap, read by the native sidecar
        var included = deploymentPod.Container("webserver").MustResolve(Included);
        Assert.Equal(("log-format", Key), (included.Volume, included.PathInVolume));
        Assert.Equal(generated.Metadata.Name, deploymentPod.Volume("log-format").ConfigMap.Name);
        Assert.Equal(StubStatusUrl(config), new Uri(deploymentPod.InitContainer("webwatcher").Env("Watcher__StubStatusUrl")));
        Assert.DoesNotContain(deploymentPod.Spec.AllContainers().SelectMany(c => c.Ports ?? []), p => p.ContainerPort == StubStatusUrl(config).Port);
    }
}
