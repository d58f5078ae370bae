using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>yamllint (manifests/.yamllint: yamllint's defaults) passes on every file, warnings included.</summary>
public sealed class YamlLintTests
{
    private static readonly string Config = ManifestFiles.PathOf(".yamllint");

    private static Task<ToolResult> LintAsync(IEnumerable<string> files) =>
        ExternalTool.RunAsync("yamllint", ["--strict", "--format", "parsable", "--config-file", Config, .. files]);

    [Fact]
    public async Task Every_manifest_passes_yamllint()
    {
        var files = ManifestFiles.AllYamlFiles().Select(ManifestFiles.PathOf).Append(Config).ToList();
        Assert.True(files.Count > 5);

        var result = await LintAsync(files);

        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public async Task Every_yaml_file_under_manifests_and_monitoring_passes_yamllint()
    {
        // The Deployment and its overlays with manifests/.yamllint; monitoring/ with its own (longer lines for
        // PromQL and label sets).
        var manifests = new[] { "webserver", "components", "examples" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Manifests, folder), "*.yaml", SearchOption.AllDirectories)).ToList();
        string monitoring = RepositoryLayout.PathOf("monitoring");
        var monitoringFiles = Directory.EnumerateFiles(monitoring, "*.y*ml", SearchOption.AllDirectories).Append(Path.Combine(monitoring, ".yamllint")).ToList();
        Assert.True(manifests.Count >= 9 && monitoringFiles.Count >= 5);

        var results = new[]
        {
            await LintAsync(manifests),
            await ExternalTool.RunAsync("yamllint", ["--strict", "--format", "parsable", "--config-file", Path.Combine(monitoring, ".yamllint"), .. monitoringFiles]),
        };

        Assert.All(results, result => Assert.True(result.ExitCode == 0, result.Describe()));
    }

    [Fact]
    public async Task Yamllint_with_this_config_rejects_sloppy_yaml()
    {
        using var folder = new TempFolder("manifests-lint");
        var sloppy = folder.File("sloppy.yaml");
        File.WriteAllText(sloppy, "---\nkind: Pod \nmetadata:\n   name: x\nspec: {containers: [ ]}\nmetadata: {}\n");

        var result = await LintAsync([sloppy]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("trailing-spaces", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("key-duplicates", result.StdOut, StringComparison.Ordinal);
    }
}
