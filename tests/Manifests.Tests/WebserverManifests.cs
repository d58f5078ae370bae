using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>manifests/webserver/: the base and its overlays, as `kubectl kustomize` renders them (once per run).</summary>
internal static class WebserverManifests
{
    public const string Base = "base";
    public const string Restricted = "overlays/restricted";
    public const string PlainContainers = "overlays/plain-containers";

    public static readonly string[] Variants = [Base, Restricted, PlainContainers];

    // The rendered text is kept; every caller gets freshly parsed objects it may change.
    private static readonly Dictionary<string, Lazy<Task<string>>> s_rendered = Variants.ToDictionary(
        v => v, v => new Lazy<Task<string>>(() => Kustomize.RenderAsync(Folder(v))));

    public static string Folder(string variant) => Path.Combine(RepositoryLayout.Manifests, "webserver", variant);

    /// <summary>The objects kustomize renders, parsed strictly into the official models.</summary>
    public static async Task<List<object>> RenderAsync(string variant) =>
        ManifestFiles.LoadStrictFromString(await s_rendered[variant].Value);

    public static async Task<V1Deployment> DeploymentAsync(string variant) => Assert.Single((await RenderAsync(variant)).OfType<V1Deployment>());

    /// <summary>The Deployment's pod template as a pod (what each replica runs).</summary>
    public static async Task<V1Pod> PodAsync(string variant)
    {
        var template = (await DeploymentAsync(variant)).Spec.Template;
        return new V1Pod { Metadata = template.Metadata, Spec = template.Spec };
    }

    public static V1Container InitContainer(this V1Pod pod, string name) =>
        Assert.Single(pod.Spec.InitContainers ?? [], c => c.Name == name);

    /// <summary>Every container of the pod: init containers (sidecars included) and regular ones.</summary>
    public static IEnumerable<V1Container> AllContainers(this V1PodSpec spec) => (spec.InitContainers ?? []).Concat(spec.Containers);

    public static bool Selects(this V1LabelSelector selector, IDictionary<string, string>? labels) =>
        selector.MatchExpressions is null or { Count: 0 }
        && selector.MatchLabels.All(l => labels is not null && labels.TryGetValue(l.Key, out var value) && value == l.Value);
}
