using DotNet.Testcontainers.Builders;

namespace Sidecars.Testing;

/// <summary>
/// Every image the pod tests use, named in one place. Base images come from the environment
/// (scripts/base-images.sh writes them: official images where a registry answers, local
/// stand-ins elsewhere); the sidecar images are built here from the repository's Dockerfiles.
/// </summary>
public static class TestImages
{
    public static string Sdk => FromEnvironment("SIDECARS_SDK_IMAGE", "mcr.microsoft.com/dotnet/sdk:10.0-noble-aot");

    public static string Runtime => FromEnvironment("SIDECARS_RUNTIME_IMAGE", "mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled");

    public static string Nginx => FromEnvironment("SIDECARS_NGINX_IMAGE", "nginx:1.27");

    public static string Prometheus => FromEnvironment("SIDECARS_PROMETHEUS_IMAGE", "prom/prometheus:v2.55.1");

    private static readonly Lazy<Task<string>> s_writer = new(() => BuildAsync("writer"));
    private static readonly Lazy<Task<string>> s_watcher = new(() => BuildAsync("watcher"));

    /// <summary>The writer image built from Dockerfile.writer (once per test run).</summary>
    public static Task<string> Writer => s_writer.Value;

    /// <summary>The watcher image built from Dockerfile.watcher (once per test run).</summary>
    public static Task<string> Watcher => s_watcher.Value;

    /// <summary>
    /// Maps an image named in a manifest to the local one: the placeholder sidecar images to the
    /// freshly built ones, nginx to the nginx image of this machine.
    /// </summary>
    public static async Task<string> ForManifestImage(string image)
    {
        string repository = image.Split('@')[0];
        int colon = repository.LastIndexOf(':');
        if (colon > repository.LastIndexOf('/'))
        {
            repository = repository[..colon];
        }
        string name = repository[(repository.LastIndexOf('/') + 1)..];
        return name switch
        {
            "writer" => await Writer,
            "watcher" => await Watcher,
            "nginx" => Nginx,
            _ => throw new InvalidOperationException($"no local image for manifest image {image}"),
        };
    }

    private static async Task<string> BuildAsync(string service)
    {
        // SIDECARS_TEST_TAG keeps two checkouts that test at once on one engine from sharing images.
        string tag = $"sidecars/{service}:{FromEnvironment("SIDECARS_TEST_TAG", "test")}";
        var builder = new ImageFromDockerfileBuilder()
            .WithDockerfileDirectory(RepositoryLayout.Root)
            .WithDockerfile($"Dockerfile.{service}")
            .WithName(tag)
            .WithBuildArgument("SDK_IMAGE", Sdk)
            .WithBuildArgument("RUNTIME_IMAGE", Runtime)
            .WithCleanUp(false)
            .WithDeleteIfExists(false);
        var image = (PodRunner.Logger is null ? builder : builder.WithLogger(PodRunner.Logger)).Build();
        await image.CreateAsync();
        return tag;
    }

    private static string FromEnvironment(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
