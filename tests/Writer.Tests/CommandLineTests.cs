using System.Diagnostics;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Writer;

/// <summary>The built writer's command line (<c>writer.dll</c>, copied next to the tests, run with <c>dotnet</c>).</summary>
public sealed partial class CommandLineTests : IDisposable
{
    private readonly TempFolder _folder = new("writer-cli");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--help", "--Http:Port=19160")]
    public async Task Help_prints_the_commands_the_common_settings_and_where_the_rest_are_then_exits_0(params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunToEndAsync(args);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("Usage: writer [SETTINGS]", stdout, StringComparison.Ordinal);
        Assert.Contains("--Writer:Interval=DURATION", stdout, StringComparison.Ordinal);
        Assert.Contains("(default 9146)", stdout, StringComparison.Ordinal);
        Assert.Contains("README.md", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--once", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    public async Task Version_prints_the_version_and_the_commit_then_exits_0(string flag)
    {
        var (exitCode, stdout, stderr) = await RunToEndAsync(flag);

        Assert.Equal(0, exitCode);
        Assert.Matches(VersionLine(), stdout);
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData("writer: unknown flag --verbose; see writer --help", "--verbose")]
    [InlineData("writer: unknown flag --once; see writer --help", "--once", "index.html")]
    [InlineData("writer: unknown setting Writer:Intervall (did you mean Writer:Interval?); see writer --help", "--Writer:Intervall=00:00:02")]
    [InlineData("writer: unexpected argument \"index.html\" (settings are written --Section:Key=VALUE); see writer --help", "index.html")]
    [InlineData("writer: --Writer:Path needs a value (--Writer:Path=VALUE); see writer --help", "--Writer:Path", "--Http:Port=1")]
    public async Task A_bad_argument_exits_2_with_one_line_naming_it_before_anything_is_written(string expected, params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunToEndAsync([$"--Writer:Path={_folder.File("index.html")}", .. args]);

        Assert.Equal(2, exitCode);
        Assert.Equal(expected, stderr.TrimEnd('\n'));
        Assert.Empty(stdout);
        Assert.False(File.Exists(_folder.File("index.html")));
    }

    [Fact]
    public async Task A_setting_written_without_equals_takes_the_next_argument_as_its_value()
    {
        // A bad value proves the setting arrived: the validator names it.
        var (exitCode, _, stderr) = await RunToEndAsync("--Writer:Path", _folder.File("index.html"), "--Writer:Interval", "-00:00:01");

        Assert.Equal(2, exitCode);
        Assert.Equal("writer: configuration error: Writer:Interval must be greater than zero (got -1s)", stderr.TrimEnd('\n'));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "writer.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"^writer \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}|unknown), \.NET \d+\.\d+\.\d+[^,]*, linux-[a-z0-9]+\)\n$")]
    private static partial Regex VersionLine();
}
