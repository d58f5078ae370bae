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

    /// <summary>
    /// A non-root nginx like nginxinc/nginx-unprivileged (UID 101, port 8080): that image where
    /// SIDECARS_NGINX_UNPRIVILEGED_IMAGE names it, else built from <see cref="Nginx"/> with the same steps.
    /// </summary>
    public static Task<string> NginxUnprivileged => s_nginxUnprivileged.Value;

    private static readonly Lazy<Task<string>> s_nginxUnprivileged = new(() =>
        Environment.GetEnvironmentVariable("SIDECARS_NGINX_UNPRIVILEGED_IMAGE") is { Length: > 0 } image
            ? Task.FromResult(image)
            : BuildAsync("nginx-unprivileged", RepositoryLayout.PathOf("tests", "Sidecars.Testing", "images"),
                "nginx-unprivileged.Dockerfile", ("NGINX_IMAGE", Nginx)));

    private static readonly Lazy<Task<string>> s_writer = new(() => BuildServiceAsync("writer"));
    private static readonly Lazy<Task<string>> s_watcher = new(() => BuildServiceAsync("watcher"));

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
            "nginx-unprivileged" => await NginxUnprivileged,
            _ => throw new InvalidOperationException($"no local image for manifest image {image}"),
        };
    }

    private static Task<string> BuildServiceAsync(string service) =>
        BuildAsync(service, RepositoryLayout.Root, $"Dockerfile.{service}", ("SDK_IMAGE", Sdk), ("RUNTIME_IMAGE", Runtime), ("COMMIT", Commit.Value));

    /// <summary>
    /// The commit the images are built from, as scripts/images.sh passes it (12 characters, <c>-dirty</c> with
    /// uncommitted changes), so images built by the tests or the demo say which code they run.
    /// </summary>
    private static readonly Lazy<string> Commit = new(() =>
    {
        string? head = Git("rev-parse", "--short=12", "HEAD");
        if (head is null)
        {
            return "unknown";
        }
        return Git("status", "--porcelain", "--untracked-files=no") is { Length: > 0 } ? head + "-dirty" : head;
    });

    private static string? Git(params string[] args)
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryLayout.Root };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }
            using var git = System.Diagnostics.Process.Start(start)!;
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }

    private static async Task<string> BuildAsync(string name, string folder, string dockerfile, params (string Name, string Value)[] arguments)
    {
        // SIDECARS_TEST_TAG keeps two checkouts that test at once on one engine from sharing images.
        string tag = $"sidecars/{name}:{FromEnvironment("SIDECARS_TEST_TAG", "test")}";
        var builder = new ImageFromDockerfileBuilder()
            .WithDockerfileDirectory(folder)
            .WithDockerfile(dockerfile)
            .WithName(tag)
            .WithCleanUp(false)
            .WithDeleteIfExists(false);
        foreach (var (argument, value) in arguments)
        {
            builder = builder.WithBuildArgument(argument, value);
        }
        var image = (PodRunner.Logger is null ? builder : builder.WithLogger(PodRunner.Logger)).Build();
        await image.CreateAsync();
        return tag;
    }

    private static string FromEnvironment(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
