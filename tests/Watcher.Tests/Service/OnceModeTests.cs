using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Parsing;
using static Sidecars.Tests.Watcher.Parsing.LogFormatParseTests;

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
        Assert.Contains("result:     most lines matched the format (exit 0)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hint:", stderr, StringComparison.Ordinal);
        Assert.Equal("", await Promtool.CheckMetricsAsync(stdout));
    }

    [Fact]
    public async Task Once_the_metric_and_the_services_summary_count_the_same_lines_excluded_ones_included()
    {
        // Given 10 lines: 5 counted, 3 excluded (Watcher:Exclude), then 1 malformed and 1 too long
        string file = _folder.File("access.log");
        string[] lines =
        [
            .. Enumerable.Range(0, 5).Select(i => TestLines.MainLine(path: "/a", i: i)),
            .. Enumerable.Range(0, 3).Select(i => TestLines.MainLine(path: "/healthz", i: i)),
            "garbage",
            new string('x', 300),
        ];
        File.WriteAllLines(file, lines);
        string[] settings = ["--Watcher:Exclude:0:Path=/healthz", "--Watcher:MaxLineBytes=256"];

        // When it is read once, and by a counter with the same settings as the service counts (its summary line)
        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync(["--once", file, .. settings]);
        var options = new WatcherOptions { Exclude = [new() { Path = "/healthz" }], MaxLineBytes = 256 };
        var (counter, metrics) = TestLines.Counter(options: options);
        OnceReader.Read(file, counter, counter, options.MaxLineBytes, CancellationToken.None);
        var summary = Summaries.Between(null, metrics.Snapshot(), seconds: 1, hasRequestTime: false);

        // Then all three count 10 lines: watcher_lines_total, once mode's summary, and the service's lines per second
        Assert.Equal(0, exitCode);
        Assert.Equal(10, Exposition.Value(stdout, "watcher_lines_total"));
        Assert.Equal(3, Exposition.Value(stdout, "watcher_lines_total", "result=\"excluded\""));
        Assert.Contains("  lines:      10\n  parsed:     5\n  malformed:  1\n    line 9: ", stderr, StringComparison.Ordinal);
        Assert.Contains("  too long:   1\n  excluded:   3 (Watcher:Exclude: matched the format, not in the request metrics)\n", stderr, StringComparison.Ordinal);
        Assert.Equal(10, summary.LinesPerSecond);
        Assert.Equal(10, metrics.Snapshot().LinesRead);
        Assert.Equal(5, Exposition.Value(stdout, "nginx_http_requests_total"));
    }

    [Fact]
    public void Once_judges_a_log_whose_lines_were_all_excluded_as_matching_the_format()
    {
        // Given values where every line matched the format and was excluded
        var (counter, metrics) = TestLines.Counter(options: new WatcherOptions { Exclude = [new() { Path = "/healthz" }] });
        counter.Feed(TestLines.MainLine(path: "/healthz"), TestLines.MainLine(path: "/healthz"));
        var values = metrics.Staged;

        var verdict = OnceMode.Judge(values, LogFormat.Main, []);

        // Then the format matched: exit 0, not "no complete line" (the lines were read) nor "no line matched"
        Assert.Equal(2, values.LinesRead);
        Assert.Equal(new OnceMode.Verdict(0, "every line matched the format (exit 0)", null), verdict);
    }

    [Fact]
    public async Task Once_lists_the_most_frequent_paths_no_route_matched_collapsed_and_without_the_query()
    {
        // Given a log whose paths are partly routed, with ids and queries
        string file = _folder.File("access.log");
        string[] paths =
        [
            "/api/items", "/users/1/orders?page=2", "/users/22/orders", "/users/333/orders#x", "/static/app.css",
            "/static/app.css?v=9", "/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/api/v1/x",
        ];
        File.WriteAllLines(file, paths.Select((p, i) => TestLines.MainLine(path: p, i: i)));

        // When it is read once with one route
        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync(
            "--once", file, "--Watcher:Routes:0:Name=api", "--Watcher:Routes:0:Pattern=/api");

        // Then the summary lists the unmatched paths by shape, most frequent first, with their counts
        Assert.Equal(0, exitCode);
        Assert.Equal(2, Exposition.Value(stdout, "nginx_http_requests_total", "route=\"api\""));
        string[] summary = stderr.Split('\n');
        int header = Array.FindIndex(summary, l => l.StartsWith("  unmatched:  6 lines no route matched", StringComparison.Ordinal));
        Assert.True(header >= 0, stderr);
        Assert.Equal(["    3  /users/{n}/orders", "    2  /static/app.css", "    1  /files/{uuid}"], summary[(header + 1)..(header + 4)]);
        Assert.DoesNotContain("/api", string.Join('\n', summary[header..]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_without_routes_lists_the_top_20_paths_and_sums_up_the_rest()
    {
        // Given 25 distinct paths, the first one most often
        string file = _folder.File("access.log");
        var lines = Enumerable.Range(0, 25).Select(i => TestLines.MainLine(path: $"/p{i:D2}/{i}", i: i)).ToList();
        lines.AddRange(Enumerable.Repeat(TestLines.MainLine(path: "/p00/7"), 4));
        File.WriteAllLines(file, lines);

        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync("--once", file);

        Assert.Equal(0, exitCode);
        Assert.Contains("  unmatched:  29 lines (no routes configured), by path without the query, numbers as {n}, hex ids as {hex}, UUIDs as {uuid}; the 20 most frequent of 25:\n    5  /p00/{n}\n    1  /p01/{n}\n", stderr, StringComparison.Ordinal);
        Assert.Contains("    1  /p19/{n}\n    5  (the other 5 paths)\n", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("/p20/", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_says_when_every_path_matched_a_route()
    {
        string file = _folder.File("access.log");
        File.WriteAllLines(file, [TestLines.MainLine(path: "/a"), TestLines.MainLine(path: "/b?x=1")]);

        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync(
            "--once", file, "--Watcher:Routes:0:Name=all", "--Watcher:Routes:0:Regex=^/[a-z]+$");

        Assert.Equal(0, exitCode);
        Assert.Contains("  unmatched:  none: a route matched every path\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_on_a_FIFO_exits_2_at_once_with_one_line_naming_what_it_is()
    {
        // Given a named pipe with no writer: a plain open() would block for ever
        string fifo = _folder.File("pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync("--once", fifo);

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal($"watcher: cannot read {fifo}: {fifo} is a FIFO (named pipe), not a regular file", stderr.Trim());
    }

    [Fact]
    public async Task Once_exits_1_when_no_line_matches_and_names_the_built_in_format_the_lines_look_like()
    {
        // Given real combined lines, read with the default format main
        string file = _folder.File("access.log");
        File.WriteAllBytes(file, [.. RealLines("nginx-combined.log").SelectMany(l => l.Append((byte)'\n'))]);

        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync("--once", file);

        Assert.Equal(1, exitCode);
        Assert.Contains("parsed:     0", stderr, StringComparison.Ordinal);
        Assert.Contains("result:     no line matched the format main: nothing was counted (exit 1)", stderr, StringComparison.Ordinal);
        Assert.Contains("hint:       these lines look like `combined`: try `--Watcher:Format=combined`", stderr, StringComparison.Ordinal);
        Assert.Equal(11, Exposition.Value(stdout, "watcher_lines_total", "result=\"malformed\""));
        // No log line per malformed line on top of the summary.
        Assert.DoesNotContain(" WRN ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_says_json_lines_read_as_combined_look_like_json_and_how_to_read_them()
    {
        // Given lines nginx wrote with an escape=json log_format, read with combined
        string file = _folder.File("access.log");
        string json = "{\"time\":\"2020-01-08T08:59:14+00:00\",\"request\":\"GET / HTTP/1.1\",\"status\":\"200\"}";
        File.WriteAllLines(file, [json, json, json]);

        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync("--once", file, "--Watcher:Format=combined");

        // Then the summary and each example carry the hint
        Assert.Equal(1, exitCode);
        Assert.Contains("hint:       these lines look like JSON: use escape=json and a JSON log_format: set Watcher:Format to nginx's log_format after its name, e.g. escape=json '{\"status\":\"$status\",...}'\n", stderr, StringComparison.Ordinal);
        Assert.Equal(3, stderr.Split('\n').Count(l => l.StartsWith("    line ", StringComparison.Ordinal) && l.Contains("; the line looks like JSON: use escape=json", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Once_exits_1_when_more_than_half_the_lines_are_malformed()
    {
        string file = _folder.File("access.log");
        File.WriteAllLines(file, [TestLines.MainLine(), TestLines.MainLine(), "garbage 1", "garbage 2", "garbage 3"]);

        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync("--once", file);

        Assert.Equal(1, exitCode);
        Assert.Contains("result:     more than half the lines (3 of 5) do not match the format main (exit 1)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hint:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_exits_0_when_at_most_half_the_lines_are_malformed_and_hints_what_the_malformed_ones_look_like()
    {
        string file = _folder.File("access.log");
        string combined = "10.0.0.1 - - [08/Jan/2020:08:59:14 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8.0\"";
        File.WriteAllLines(file, [TestLines.MainLine(), TestLines.MainLine(), combined, combined]);

        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync("--once", file);

        Assert.Equal(0, exitCode);
        Assert.Contains("hint:       the malformed lines look like `combined`: try `--Watcher:Format=combined`", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_exits_1_for_a_file_without_a_complete_line()
    {
        string file = _folder.File("access.log");
        File.WriteAllText(file, "");

        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync("--once", file);

        Assert.Equal(1, exitCode);
        Assert.Contains("result:     no complete line in the file: nothing was counted (exit 1)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_warns_in_the_summary_when_the_format_has_no_status()
    {
        string file = _folder.File("access.log");
        File.WriteAllLines(file, ["GET /a 0.010", "GET /b 0.020"]);

        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync("--once", file, "--Watcher:Format=$request_method $uri $request_time");

        Assert.Equal(0, exitCode);
        Assert.Contains("(format custom \"$request_method $uri $request_time\")", stderr, StringComparison.Ordinal);
        Assert.Contains("warning:    the format has no $status: every request counts as status=\"other\"", stderr, StringComparison.Ordinal);
        Assert.Equal(2, Exposition.Value(stdout, "nginx_http_requests_total", "status=\"other\""));
    }

    [Theory]
    [InlineData("combind", "Watcher:Format: unknown format name \"combind\" (the names are main, combined; a log_format string has $variables); did you mean combined?")]
    [InlineData("json", "Watcher:Format: unknown format name \"json\" (the names are main, combined; a log_format string has $variables); for JSON lines give nginx's own log_format, e.g. escape=json '{\"status\":\"$status\",...}'")]
    [InlineData("$remote_addr [$time_local]", "Watcher:Format: the format has none of the variables the watcher counts")]
    public async Task Once_with_a_mistyped_format_name_or_a_format_that_counts_nothing_exits_2_with_one_line(string format, string expected)
    {
        string file = _folder.File("access.log");
        File.WriteAllText(file, TestLines.MainLine() + "\n");

        var (exitCode, stdout, stderr) = await WatcherProcess.RunToEndAsync("--once", file, $"--Watcher:Format={format}");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"watcher: configuration error: {expected}", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Empty(stdout);
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
