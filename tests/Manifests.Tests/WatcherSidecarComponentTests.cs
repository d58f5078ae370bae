using System.Text.RegularExpressions;
using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// manifests/components/watcher-sidecar, the "add it to your nginx" Component, as manifests/examples/stock-nginx
/// applies it to a stock nginx Deployment: rendered offline by kustomize, it adds the watcher as a native sidecar
/// and changes nothing of nginx but one conf.d file.
/// </summary>
public sealed partial class WatcherSidecarComponentTests
{
    private static readonly string Component = Path.Combine(RepositoryLayout.Manifests, "components", "watcher-sidecar");
    private static readonly string Example = Path.Combine(RepositoryLayout.Manifests, "examples", "stock-nginx");

    private static async Task<(V1Deployment Deployment, V1ConfigMap Conf)> RenderAsync()
    {
        var objects = await Kustomize.RenderObjectsAsync(Example);
        return (Assert.Single(objects.OfType<V1Deployment>()), Assert.Single(objects.OfType<V1ConfigMap>()));
    }

    [Fact]
    public void Is_a_kustomize_component()
    {
        var kustomization = ManifestFiles.LoadGenericFromString(File.ReadAllText(Path.Combine(Component, "kustomization.yaml")));
        Assert.Equal("kustomize.config.k8s.io/v1alpha1", kustomization.Str("apiVersion"));
        Assert.Equal("Component", kustomization.Str("kind"));
    }

    [Fact]
    public async Task The_stock_deployment_keeps_its_nginx_as_it_was_but_for_one_conf_d_file()
    {
        // Given the example's Deployment before and after the Component
        var stock = Assert.Single(ManifestFiles.LoadStrictFromString(File.ReadAllText(Path.Combine(Example, "deployment.yaml"))).OfType<V1Deployment>());
        var (deployment, conf) = await RenderAsync();
        var before = Assert.Single(stock.Spec.Template.Spec.Containers);
        var nginx = Assert.Single(deployment.Spec.Template.Spec.Containers);

        // Then nginx keeps its name, image, command, args, ports and security, and gains one conf.d file
        Assert.Equal(before.Name, nginx.Name);
        Assert.Equal("nginx:1.27", nginx.Image);
        Assert.Null(nginx.Command);
        Assert.Null(nginx.Args);
        Assert.Equal(before.Ports.Select(p => p.ContainerPort), nginx.Ports.Select(p => p.ContainerPort));
        Assert.Null(nginx.SecurityContext);
        Assert.Null(deployment.Spec.Template.Spec.SecurityContext);
        Assert.Null(before.VolumeMounts);
        var confd = Assert.Single(nginx.VolumeMounts);
        Assert.StartsWith("/etc/nginx/conf.d/", confd.MountPath, StringComparison.Ordinal);
        Assert.Equal("/etc/nginx/conf.d/" + confd.SubPath, confd.MountPath);
        Assert.True(confd.ReadOnlyProperty);
        Assert.Contains(confd.SubPath, conf.Data.Keys);
        // And the pod's name, labels and replicas are the stock ones
        Assert.Equal(stock.Metadata.Name, deployment.Metadata.Name);
        Assert.Equal(stock.Spec.Replicas, deployment.Spec.Replicas);
        Assert.Equal(stock.Spec.Template.Metadata.Labels, deployment.Spec.Template.Metadata.Labels);
    }

    [Fact]
    public async Task The_watcher_is_a_hardened_native_sidecar_receiving_where_nginx_sends()
    {
        var (deployment, conf) = await RenderAsync();
        var pod = new V1Pod { Metadata = deployment.Spec.Template.Metadata, Spec = deployment.Spec.Template.Spec };
        var nginx = Assert.Single(pod.Spec.Containers);
        var watcher = Assert.Single(pod.Spec.InitContainers);

        // A native sidecar: started and ready before nginx, stopped after it
        Assert.Equal("Always", watcher.RestartPolicy);
        Assert.Equal("/readyz", watcher.StartupProbe?.HttpGet?.Path);
        Assert.Equal("example.registry/sidecars/watcher:0.1.0", watcher.Image);
        SidecarChecks.AssertProbesOnProbePort(watcher, 9145, 8090);
        SidecarChecks.AssertResources(watcher, "20m", "32Mi", "200m", "128Mi");
        var own = watcher.SecurityContext;
        Assert.True(own.RunAsNonRoot);
        Assert.Equal(SidecarChecks.AppUid, own.RunAsUser);
        Assert.Equal(SidecarChecks.AppUid, own.RunAsGroup);
        Assert.True(own.ReadOnlyRootFilesystem);
        Assert.False(own.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], own.Capabilities.Drop);
        Assert.Equal("RuntimeDefault", own.SeccompProfile.Type);

        // nginx sends to the address the watcher listens on: the pod's loopback, which only the pod's containers reach
        string text = Assert.Single(conf.Data.Values);
        var accessLog = AccessLogSyslog().Match(text);
        Assert.True(accessLog.Success, text);
        string server = accessLog.Groups["server"].Value;
        Assert.StartsWith("127.0.0.1:", server, StringComparison.Ordinal);
        Assert.Equal("udp://" + server, watcher.Env("Watcher__Listen"));
        Assert.DoesNotContain(watcher.Ports, p => p.ContainerPort == int.Parse(server.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));

        // The watcher reads the format nginx writes from the same file
        string formatName = accessLog.Groups["format"].Value;
        Assert.Matches($@"log_format\s+{formatName}\s", text);
        Assert.Equal(formatName, watcher.Env("Watcher__FormatName"));
        string formatFile = watcher.Env("Watcher__FormatFile");
        var formatMount = Assert.Single(watcher.VolumeMounts, m => formatFile.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        var confVolume = Assert.Single(pod.Spec.Volumes, v => v.Name == formatMount.Name);
        Assert.Equal(conf.Metadata.Name, confVolume.ConfigMap.Name);
        Assert.Contains(Path.GetFileName(formatFile), conf.Data.Keys);

        // And its counters are saved in a volume of their own
        string state = watcher.Env("Watcher__StateDirectory");
        var stateMount = Assert.Single(watcher.VolumeMounts, m => m.MountPath == state);
        Assert.NotNull(Assert.Single(pod.Spec.Volumes, v => v.Name == stateMount.Name).EmptyDir);
    }

    [GeneratedRegex(@"^access_log syslog:server=(?<server>[0-9.]+:[0-9]+)(,[a-z]+(=[^,\s]+)?)* (?<format>\w+);$", RegexOptions.Multiline)]
    private static partial Regex AccessLogSyslog();
}
