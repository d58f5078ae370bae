using k8s;
using k8s.Models;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// manifests/webserver/overlays: `restricted` (a non-root nginx on 8080) and `plain-containers` (clusters older
/// than 1.29). Each changes exactly what it says and nothing else.
/// </summary>
public sealed class WebserverOverlayTests
{
    public static TheoryData<string> Variants() => [.. WebserverManifests.Variants];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Variant_renders_with_kubectl_kustomize_into_objects_that_parse_strictly(string variant)
    {
        // RenderObjectsAsync parses strictly: an unknown or misspelled field fails here.
        var objects = await WebserverManifests.RenderAsync(variant);
        Assert.Equal(4, objects.Count);
        Assert.All(objects.Cast<IKubernetesObject<V1ObjectMeta>>(), o => Assert.False(string.IsNullOrEmpty(o.Metadata.Name)));
        Assert.False((await WebserverManifests.PodAsync(variant)).Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public async Task Restricted_runs_the_unprivileged_nginx_as_uid_101_on_8080_without_capabilities()
    {
        var pod = await WebserverManifests.PodAsync(WebserverManifests.Restricted);
        var nginx = pod.Container("webserver");
        Assert.Equal("nginxinc/nginx-unprivileged:1.27", nginx.Image);
        var http = Assert.Single(nginx.Ports);
        Assert.Equal(("http", 8080), (http.Name, http.ContainerPort));
        Assert.True(nginx.SecurityContext.RunAsNonRoot);
        Assert.Equal(101, nginx.SecurityContext.RunAsUser);
        Assert.Equal(["ALL"], nginx.SecurityContext.Capabilities.Drop);
        Assert.Null(nginx.SecurityContext.Capabilities.Add);
        Assert.True(pod.Spec.SecurityContext.RunAsNonRoot);
    }

    [Fact]
    public async Task Restricted_changes_nothing_but_nginx_image_port_and_user()
    {
        // Given the base with exactly the overlay's changes applied by hand
        var expected = await WebserverManifests.PodAsync(WebserverManifests.Base);
        var nginx = expected.Container("webserver");
        nginx.Image = "nginxinc/nginx-unprivileged:1.27";
        nginx.Ports[0].ContainerPort = 8080;
        nginx.SecurityContext.RunAsNonRoot = true;
        nginx.SecurityContext.RunAsUser = 101;
        nginx.SecurityContext.RunAsGroup = 101;
        nginx.SecurityContext.Capabilities.Add = null;
        expected.Spec.SecurityContext.RunAsNonRoot = true;

        // Then the overlay renders the same pod
        var restricted = await WebserverManifests.PodAsync(WebserverManifests.Restricted);
        Assert.Equal(KubernetesYaml.Serialize(expected), KubernetesYaml.Serialize(restricted));
    }

    [Fact]
    public async Task Plain_containers_makes_the_sidecar_a_second_container_and_changes_nothing_else()
    {
        // Given the base with the watcher moved from initContainers to containers by hand
        var expected = await WebserverManifests.PodAsync(WebserverManifests.Base);
        var watcher = expected.InitContainer("webwatcher");
        watcher.RestartPolicy = null;
        expected.Spec.InitContainers = null;
        expected.Spec.Containers.Add(watcher);

        // Then the overlay renders the same pod: the lesson's two containers
        var plain = await WebserverManifests.PodAsync(WebserverManifests.PlainContainers);
        Assert.Equal(["webserver", "webwatcher"], plain.Spec.Containers.Select(c => c.Name));
        Assert.Null(plain.Spec.InitContainers);
        Assert.Equal(KubernetesYaml.Serialize(expected), KubernetesYaml.Serialize(plain));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Every_variant_keeps_the_service_budget_and_config_map_of_the_base(string variant)
    {
        static string Others(List<object> objects) => string.Join("\n---\n",
            objects.Where(o => o is not V1Deployment).Select(o => KubernetesYaml.Serialize(o)));
        Assert.Equal(Others(await WebserverManifests.RenderAsync(WebserverManifests.Base)), Others(await WebserverManifests.RenderAsync(variant)));
    }
}
