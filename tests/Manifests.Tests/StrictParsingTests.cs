using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>Every plain Kubernetes file in manifests/ is exactly what the API server would accept.</summary>
public sealed class StrictParsingTests
{
    // kustomization.yaml is no core kind: KustomizationTests reads it. The PodMonitors are in monitoring/ (Monitoring.Tests).
    private static readonly Dictionary<string, Type[]> ExpectedKinds = new()
    {
        [ManifestFiles.Pods01] = [typeof(V1Pod)],
        [ManifestFiles.Pods02] = [typeof(V1Pod)],
        [ManifestFiles.Pods03] = [typeof(V1Pod)],
        [ManifestFiles.LogFormat] = [typeof(V1ConfigMap)],
        [ManifestFiles.WebConfigExample] = [typeof(V1Secret)],
    };

    public static TheoryData<string> CoreFiles() => [.. ExpectedKinds.Keys];

    [Fact]
    public void Every_yaml_file_is_checked_by_some_test()
    {
        var covered = ExpectedKinds.Keys.Concat([ManifestFiles.Kustomization]).Order(StringComparer.Ordinal);
        Assert.Equal(covered, ManifestFiles.AllYamlFiles());
    }

    [Fact]
    public void Every_yaml_file_of_the_deployment_is_a_kustomization_or_used_by_one()
    {
        // What no kustomization lists is never rendered, so never parsed strictly by WebserverOverlayTests.
        string root = Path.Combine(RepositoryLayout.Manifests, "webserver");
        var files = Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories).ToList();
        var kustomizations = files.Where(f => Path.GetFileName(f) == ManifestFiles.Kustomization).ToList();
        var used = kustomizations.SelectMany(k =>
        {
            var node = ManifestFiles.LoadGenericFromString(File.ReadAllText(k));
            var resources = (node.Find("resources") as YamlDotNet.RepresentationModel.YamlSequenceNode)?.Strings() ?? [];
            var patches = (node.Find("patches") as YamlDotNet.RepresentationModel.YamlSequenceNode)?.Maps().Select(p => p.StrOrNull("path")).OfType<string>() ?? [];
            return resources.Concat(patches).Select(f => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(k)!, f)));
        }).ToHashSet();
        Assert.Equal(3, kustomizations.Count);
        Assert.All(files.Except(kustomizations), f => Assert.Contains(f, used));
    }

    [Theory]
    [MemberData(nameof(CoreFiles))]
    public void File_parses_strictly_into_the_official_models(string file)
    {
        var objects = ManifestFiles.LoadStrict(file);
        Assert.Equal(ExpectedKinds[file], objects.Select(o => o.GetType()));
        foreach (var o in objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>())
        {
            Assert.False(string.IsNullOrEmpty(o.Metadata.Name), $"{file}: object without a name");
        }
    }

    [Fact]
    public void Misspelled_field_fails_strict_parsing_where_lenient_parsing_would_drop_it()
    {
        var text = ManifestFiles.Text(ManifestFiles.Pods03);
        Assert.Contains("readOnlyRootFilesystem: true", text, StringComparison.Ordinal);
        var misspelled = text.Replace("readOnlyRootFilesystem", "readOnlyRootFileSystem", StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => ManifestFiles.LoadStrictFromString(misspelled));

        // Without strict mode the hardening would silently vanish: that is what the strict parse guards.
        var lenient = Assert.IsType<V1Pod>(Assert.Single(k8s.KubernetesYaml.LoadAllFromString(misspelled, typeMap: null, strict: false)));
        Assert.Null(lenient.Spec.Containers.Single(c => c.Name == "2nd").SecurityContext.ReadOnlyRootFilesystem);
    }

    [Fact]
    public void Lesson_pod_is_plain_nginx()
    {
        var pod = ManifestFiles.Pod(ManifestFiles.Pods01);
        Assert.Equal("webserver", pod.Metadata.Name);
        var container = Assert.Single(pod.Spec.Containers);
        Assert.Equal("webserver", container.Name);
        Assert.Equal("nginx:1.27", container.Image);
        Assert.Equal(80, Assert.Single(container.Ports).ContainerPort);
        Assert.Null(pod.Spec.Volumes);
    }
}
