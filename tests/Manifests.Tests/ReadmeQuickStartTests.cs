using k8s;
using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// The README's "Add it to your nginx" shows pieces of the manifests: the `sidecar` log format of the ConfigMap and
/// the watcher container of pods02.yaml. They must say what the manifests say.
/// </summary>
public sealed class ReadmeQuickStartTests
{
    private static readonly MarkdownDocument Readme = MarkdownDocument.Load("README.md");

    private static string Normalized(string config) =>
        string.Join('\n', config.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    [Fact]
    public void Readme_log_format_is_the_configmaps()
    {
        string readme = Assert.Single(Readme.CodeBlocks("nginx"));
        string configMap = ManifestFiles.LogFormatConfigMap().Data["log-format.conf"];
        Assert.Equal(Normalized(configMap), Normalized(readme));
    }

    [Fact]
    public void Readme_watcher_container_is_pods02s_with_probes_resources_and_security_left_out()
    {
        string yaml = Assert.Single(Readme.CodeBlocks("yaml"), y => y.Contains("webwatcher", StringComparison.Ordinal));
        var shown = Assert.Single(KubernetesYaml.Deserialize<List<V1Container>>(yaml));
        var pod = ManifestFiles.Pod(ManifestFiles.Pods02);
        var real = pod.Container(shown.Name);

        // Every variable shown has the manifest's value; the manifest's others are optional extras.
        Assert.NotEmpty(shown.Env);
        foreach (var env in shown.Env)
        {
            Assert.Equal(real.Env(env.Name), env.Value);
        }
        Assert.Equal(real.Ports.Single(p => p.Name == "metrics").ContainerPort, Assert.Single(shown.Ports).ContainerPort);
        foreach (var mount in shown.VolumeMounts)
        {
            var realMount = Assert.Single(real.VolumeMounts, m => m.Name == mount.Name);
            Assert.Equal(realMount.MountPath, mount.MountPath);
            Assert.Equal(realMount.ReadOnlyProperty, mount.ReadOnlyProperty);
        }
        Assert.Equal(real.VolumeMounts.Count, shown.VolumeMounts.Count);
        // The shared log volume is where the format's access_log writes.
        string logFolder = pod.Container("webserver").VolumeMounts.Single(m => m.Name == "logs").MountPath;
        Assert.Contains($"access_log {logFolder}/access.log sidecar;", ManifestFiles.LogFormatConfigMap().Data["log-format.conf"], StringComparison.Ordinal);
        Assert.Contains($"mounted at `{logFolder}` in nginx", Readme.Section("## Add it to your nginx"), StringComparison.Ordinal);
        Assert.Equal(1654, pod.Spec.SecurityContext.FsGroup);
        Assert.Contains("`fsGroup: 1654`", Readme.Section("## Add it to your nginx"), StringComparison.Ordinal);
    }
}
