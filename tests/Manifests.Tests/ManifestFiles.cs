using k8s;
using k8s.Models;
using Sidecars.Testing;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Manifests;

/// <summary>The files in manifests/, read strictly into the official models (or as plain YAML for CRDs).</summary>
internal static class ManifestFiles
{
    public const string Pods01 = "pods01.yaml";
    public const string Pods02 = "pods02.yaml";
    public const string Pods03 = "pods03.yaml";
    public const string LogFormat = "nginx-log-format.yaml";
    public const string Kustomization = "kustomization.yaml";
    public const string WebConfigExample = "web-config.example.yaml";

    public static string PathOf(string name) => Path.Combine(RepositoryLayout.Manifests, name);

    public static string Text(string name) => File.ReadAllText(PathOf(name));

    /// <summary>Every YAML file in manifests/, by file name.</summary>
    public static IEnumerable<string> AllYamlFiles() =>
        Directory.EnumerateFiles(RepositoryLayout.Manifests, "*.yaml")
            .Select(path => Path.GetFileName(path))
            .Order(StringComparer.Ordinal);

    public static List<object> LoadStrict(string name) => LoadStrictFromString(Text(name));

    public static List<object> LoadStrictFromString(string yaml) =>
        KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true);

    public static T Single<T>(string name) => Assert.IsType<T>(Assert.Single(LoadStrict(name)));

    public static V1Pod Pod(string name) => Single<V1Pod>(name);

    public static V1ConfigMap LogFormatConfigMap() => Single<V1ConfigMap>(LogFormat);

    public static V1Container Container(this V1Pod pod, string name) =>
        Assert.Single(pod.Spec.Containers, c => c.Name == name);

    public static V1Volume Volume(this V1Pod pod, string name) =>
        Assert.Single(pod.Spec.Volumes, v => v.Name == name);

    public static string Env(this V1Container container, string name) =>
        Assert.Single(container.Env, e => e.Name == name).Value;

    public static YamlMappingNode LoadGeneric(string name) => LoadGenericFromString(Text(name));

    public static YamlMappingNode LoadGenericFromString(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }
}
