using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

[Collection(WatcherProcess.Collection)]
public sealed class OnceModeTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-once");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Once_prints_the_exposition_and_a_summary_with_the_first_malformed_lines()
    {
        string file = _folder.File("access.log");
        var lines = Enumerable.Range(0, 20).Select(i => TestLines.MainLine(status: i % 2 == 0 ? 200 : 404, i: i)).ToList();
        lines.Insert(3, "garbage 1");
        lines.Insert(7, "garbage 2");
        lines.Insert(9, TestLines.MainLine().Replace(" 200 ", " abc ", StringComparison.Ordinal));
        lines.Insert(12, "garbage 4");
        File.WriteAllText(file, string.Join("\n", lines) + "\npartial last line");

        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync("--once", file);

        Assert.Equal(0, exitCode);
        Assert.Equal(20, Exposition.Value(stdout, "nginx_http_requests_total"));
        Assert.Equal(10, Exposition.Value(stdout, "nginx_http_requests_total", "status=\"404\""));
        Assert.Equal(4, Exposition.Value(stdout, "watcher_lines_total", "result=\"malformed\""));
        Assert.Contains("lines:      24", stderr, StringComparison.Ordinal);
        Assert.Contains("malformed:  4", stderr, StringComparison.Ordinal);
        Assert.Contains("line 4: ", stderr, StringComparison.Ordinal);
        Assert.Contains("line 10: bad_number", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("line 13: ", stderr, StringComparison.Ordinal);
        Assert.Contains("unterminated last line: 17 bytes", stderr, StringComparison.Ordinal);
        Assert.Contains("lines/s:", stderr, StringComparison.Ordinal);
        Assert.Equal("", await Promtool.CheckMetricsAsync(stdout));
    }

    [Fact]
    public async Task Once_with_a_missing_file_exits_2_with_one_line()
    {
        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync("--once", _folder.File("nope.log"));
        Assert.Equal(2, exitCode);
        Assert.Equal($"watcher: cannot read {_folder.File("nope.log")}: the file does not exist", stderr.Trim());
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Once_with_an_invalid_format_exits_2_with_one_line()
    {
        string file = _folder.File("access.log");
        File.WriteAllText(file, TestLines.MainLine() + "\n");
        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync("--once", file, "--Watcher:Format=$a$b");
        Assert.Equal(2, exitCode);
        Assert.StartsWith("watcher: configuration error: Watcher:Format: ", stderr.Trim(), StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
