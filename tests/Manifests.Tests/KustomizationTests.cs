using k8s.Models;
using Sidecars.Testing;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Manifests;

/// <summary>kustomization.yaml: what `kubectl apply -k manifests/` creates, and images set in one place.</summary>
public sealed class KustomizationTests
{
    private const string Writer = "example.registry/sidecars/writer";
    private const string Watcher = "example.registry/sidecars/watcher";

    // What a user who pushed their own builds writes into the images: entries.
    private const string UserWriter = "registry.example.org:5000/team/writer";
    private const string UserWatcher = "registry.example.org:5000/team/watcher";
    private const string UserTag = "1.2.3-dev";

    private readonly YamlMappingNode kustomization = ManifestFiles.LoadGeneric(ManifestFiles.Kustomization);

    private List<string> Resources => [.. kustomization.Seq("resources").Strings()];

    private List<V1Pod> ListedPods() =>
        [.. Resources.SelectMany(ManifestFiles.LoadStrict).OfType<V1Pod>()];

    private static void SetUsersImages(YamlMappingNode kustomization)
    {
        foreach (var entry in kustomization.Seq("images").Maps())
        {
            var name = entry.Str("name");
            if (name is Writer or Watcher)
            {
                entry.Children[new YamlScalarNode("newName")] = new YamlScalarNode(name == Writer ? UserWriter : UserWatcher);
                entry.Children[new YamlScalarNode("newTag")] = new YamlScalarNode(UserTag);
            }
        }
    }

    private static List<string> ImagesOf(IEnumerable<V1Pod> pods) =>
        [.. pods.SelectMany(p => p.Spec.Containers).Select(c => c.Image).Order(StringComparer.Ordinal)];

    private static async Task<List<object>> KustomizeAsync(string folder)
    {
        // kubectl's built-in kustomize needs no API server.
        var result = await ExternalTool.RunAsync("kubectl", ["kustomize", folder]);
        Assert.True(result.ExitCode == 0, result.Describe());
        return ManifestFiles.LoadStrictFromString(result.StdOut);
    }

    [Fact]
    public void Is_a_kustomization()
    {
        Assert.Equal("kustomize.config.k8s.io/v1beta1", kustomization.Str("apiVersion"));
        Assert.Equal("Kustomization", kustomization.Str("kind"));
    }

    [Fact]
    public void Lists_the_config_map_and_both_sidecar_pods_that_exist()
    {
        Assert.Equal([ManifestFiles.LogFormat, ManifestFiles.Pods02, ManifestFiles.Pods03], Resources);
        Assert.All(Resources, file => Assert.True(File.Exists(ManifestFiles.PathOf(file)), $"{file} is missing"));
    }

    [Fact]
    public void Leaves_out_the_lesson_pod_whose_name_clashes()
    {
        Assert.Equal(ManifestFiles.Pod(ManifestFiles.Pods01).Metadata.Name, ManifestFiles.Pod(ManifestFiles.Pods02).Metadata.Name);
        Assert.DoesNotContain(ManifestFiles.Pods01, Resources);
    }

    [Fact]
    public void Every_image_of_the_listed_pods_is_set_in_images()
    {
        var overrides = KustomizeImages.Read(kustomization);
        var images = ImagesOf(ListedPods());
        Assert.Equal(4, images.Count); // two pods, two containers each
        Assert.All(images, image => Assert.True(overrides.Covers(image), $"{image} has no images: entry"));
        Assert.Contains(overrides, o => o.Name == "nginx" && o.NewTag == "1.27");
    }

    [Fact]
    public void Images_as_shipped_render_the_placeholders_of_the_pod_files()
    {
        var overrides = KustomizeImages.Read(kustomization);
        var images = ImagesOf(ListedPods());
        Assert.Equal(images, images.Select(overrides.Apply));
    }

    [Fact]
    public void Users_images_set_in_images_replace_the_placeholders()
    {
        // Given the entries edited as the comment in kustomization.yaml says
        var edited = ManifestFiles.LoadGeneric(ManifestFiles.Kustomization);
        SetUsersImages(edited);
        var overrides = KustomizeImages.Read(edited);

        // When kustomize's rewriting is applied to the listed pods
        var pods = ListedPods();
        var rendered = pods.ToDictionary(p => p.Metadata.Name, p => p.Spec.Containers.ToDictionary(c => c.Name, c => overrides.Apply(c.Image)));

        // Then the sidecars run the user's images and nginx is untouched
        Assert.Equal($"{UserWriter}:{UserTag}", rendered["mc1"]["2nd"]);
        Assert.Equal($"{UserWatcher}:{UserTag}", rendered["webserver"]["webwatcher"]);
        Assert.Equal("nginx:1.27", rendered["mc1"]["1st"]);
        Assert.Equal("nginx:1.27", rendered["webserver"]["webserver"]);
    }

    [Fact]
    public void Image_names_split_like_kustomize_splits_them()
    {
        Assert.Equal(("nginx", ":1.27"), KustomizeImages.Split("nginx:1.27"));
        Assert.Equal(("registry:5000/a/b", ":t"), KustomizeImages.Split("registry:5000/a/b:t"));
        Assert.Equal(("registry:5000/a/b", "@sha256:00"), KustomizeImages.Split("registry:5000/a/b@sha256:00"));
        Assert.Equal(("a/b", ""), KustomizeImages.Split("a/b"));
    }

    [Fact]
    public async Task Kubectl_kustomize_renders_objects_that_parse_strictly()
    {
        var objects = await KustomizeAsync(RepositoryLayout.Manifests);

        Assert.Equal(
            ["ConfigMap/nginx-log-format", "Pod/mc1", "Pod/webserver"],
            objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>().Select(o => $"{o.Kind}/{o.Metadata.Name}").Order(StringComparer.Ordinal));
        Assert.Equal(ImagesOf(ListedPods()), ImagesOf(objects.OfType<V1Pod>()));
    }

    [Fact]
    public async Task Kubectl_kustomize_renders_the_users_images()
    {
        // Given a copy of manifests/ whose images: entries name the user's images
        using var folder = new TempFolder("manifests-kustomize");
        foreach (var file in ManifestFiles.AllYamlFiles())
        {
            File.Copy(ManifestFiles.PathOf(file), Path.Combine(folder.Path, file));
        }
        var edited = ManifestFiles.LoadGeneric(ManifestFiles.Kustomization);
        SetUsersImages(edited);
        using (var writer = new StreamWriter(Path.Combine(folder.Path, ManifestFiles.Kustomization)))
        {
            new YamlStream(new YamlDocument(edited)).Save(writer, assignAnchors: false);
        }

        // When kustomize renders it
        var pods = (await KustomizeAsync(folder.Path)).OfType<V1Pod>().ToDictionary(p => p.Metadata.Name);

        // Then the sidecars run the user's images
        Assert.Equal($"{UserWriter}:{UserTag}", pods["mc1"].Container("2nd").Image);
        Assert.Equal($"{UserWatcher}:{UserTag}", pods["webserver"].Container("webwatcher").Image);
        Assert.Equal("nginx:1.27", pods["webserver"].Container("webserver").Image);
    }
}
