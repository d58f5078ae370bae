using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>The built watcher's command line: help, version, bad arguments, and every form of --once.</summary>
[Collection(WatcherProcess.Collection)]
public sealed partial class CommandLineTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-cli");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--help", "--Http:Port=19160")]
    public async Task Help_prints_the_commands_the_common_settings_and_where_the_rest_are_then_exits_0(params string[] args)
    {
        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync(args);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("Usage: watcher [SETTINGS]", stdout, StringComparison.Ordinal);
        Assert.Contains("--once FILE", stdout, StringComparison.Ordinal);
        Assert.Contains("--Watcher:Format=FORMAT", stdout, StringComparison.Ordinal);
        Assert.Contains("--Http:Port=PORT", stdout, StringComparison.Ordinal);
        Assert.Contains("(default 9145)", stdout, StringComparison.Ordinal);
        Assert.Contains("--web.config.file=FILE", stdout, StringComparison.Ordinal);
        Assert.Contains("watcher/README.md", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    public async Task Version_prints_the_version_and_the_commit_then_exits_0(string flag)
    {
        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync(flag);

        Assert.Equal(0, exitCode);
        Assert.Matches(VersionLine(), stdout);
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData("watcher: unknown flag --verbose; see watcher --help", "--verbose")]
    [InlineData("watcher: unknown setting Watcher:Formt (did you mean Watcher:Format?); see watcher --help", "--Watcher:Formt=combined")]
    [InlineData("watcher: unexpected argument \"access.log\" (to read a file once: --once FILE; settings are written --Section:Key=VALUE); see watcher --help", "access.log")]
    [InlineData("watcher: --Http:Port needs a value (--Http:Port=VALUE); see watcher --help", "--Http:Port", "--Log:Level=Debug")]
    [InlineData("watcher: --once needs a FILE to read (--once FILE); see watcher --help", "--once", "--Watcher:Format=combined")]
    public async Task A_bad_argument_exits_2_with_one_line_naming_it_before_anything_starts(string expected, params string[] args)
    {
        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Equal(expected, stderr.TrimEnd('\n'));
        Assert.Empty(stdout);
    }

    [Theory]
    [InlineData("--once", "{file}", "--Watcher:Format=combined")]
    [InlineData("--once={file}", "--Watcher:Format=combined")]
    [InlineData("{file}", "--Watcher:Format=combined", "--once")]
    [InlineData("--Watcher:Format", "combined", "--once", "{file}")]
    [InlineData("--Watcher:Format=Combined", "{file}", "--once", "--Log:Level=Warning")]
    public async Task Once_reads_the_file_in_every_form_with_settings_before_or_after(params string[] template)
    {
        string file = _folder.File("combined.log");
        File.WriteAllLines(file, Enumerable.Range(0, 5).Select(i =>
            $"10.0.0.{i} - - [08/Jan/2020:08:59:14 +0000] \"GET /{i} HTTP/1.1\" 200 5 \"-\" \"curl/8.0\""));

        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync(
            [.. template.Select(a => a.Replace("{file}", file, StringComparison.Ordinal))]);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(5, Exposition.Value(stdout, "nginx_http_requests_total"));
        Assert.Contains($"watcher --once {file} (format combined)", stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^watcher \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}|unknown), \.NET \d+\.\d+\.\d+[^,]*, linux-[a-z0-9]+\)\n$")]
    private static partial Regex VersionLine();
}
