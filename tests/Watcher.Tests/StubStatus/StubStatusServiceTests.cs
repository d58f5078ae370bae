using Sidecars.Testing;
using Sidecars.Tests.Watcher.Service;
using Sidecars.Watcher;
using Sidecars.Watcher.StubStatus;

namespace Sidecars.Tests.Watcher.StubStatus;

/// <summary><c>Watcher:StubStatusUrl</c> in the built watcher: checked at start, read, and served after the log's metrics.</summary>
[Collection(WatcherProcess.Collection)]
public sealed class StubStatusServiceTests : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new("watcher-stub-status");

    public void Dispose() => _folder.Dispose();

    private string PathArg => $"--Watcher:Path={_folder.File("access.log")}";

    public static TheoryData<string?> UsableUrls => [null, "", "http://127.0.0.1:8081/stub_status", "https://nginx.example:8443/basic_status", "http://[::1]:8081/"];

    [Theory]
    [MemberData(nameof(UsableUrls))]
    public void Empty_or_http_url_is_accepted(string? url)
    {
        Assert.Null(StubStatusSettings.UrlProblem(url));
        Assert.DoesNotContain(WatcherOptionsValidator.Check(new WatcherOptions { Path = _folder.File("access.log"), StubStatusUrl = url }, checkStateDirectory: false),
            f => f.Contains("StubStatusUrl", StringComparison.Ordinal));
    }

    public static TheoryData<string> BadUrls => ["localhost:8081/stub_status", "127.0.0.1:8081/stub_status", "/stub_status", "ftp://127.0.0.1/stub_status", "http://", "stub status"];

    [Theory]
    [MemberData(nameof(BadUrls))]
    public void Url_that_is_not_absolute_http_is_one_line_naming_the_setting(string url)
    {
        Assert.Equal(
            $"Watcher:StubStatusUrl must be an http:// or https:// URL such as http://127.0.0.1:8081/stub_status, or empty (got \"{url}\")",
            Assert.Single(WatcherOptionsValidator.Check(new WatcherOptions { Path = _folder.File("access.log"), StubStatusUrl = url }, checkStateDirectory: false)));
    }

    [Fact]
    public async Task Bad_url_stops_the_watcher_at_start_with_exit_code_2()
    {
        var (exitCode, _, stderr) = await WatcherProcess.RunToEndAsync(PathArg, "--Watcher:StubStatusUrl=localhost:8081/stub_status", "--Http:Port=1");

        Assert.Equal(2, exitCode);
        Assert.Equal(
            "watcher: configuration error: Watcher:StubStatusUrl must be an http:// or https:// URL such as http://127.0.0.1:8081/stub_status, or empty (got \"localhost:8081/stub_status\")",
            stderr.Trim());
    }

    [Fact]
    public async Task Stub_status_values_follow_the_log_metrics_on_one_page_that_promtool_accepts()
    {
        // Given a stand-in stub_status and a log with two requests
        await using var nginx = new FakeStubStatusServer(FakeStubStatusServer.Ok(StubStatusPages.Busy));
        File.WriteAllText(_folder.File("access.log"), MainLine + MainLine);

        // When the watcher reads both
        await using var watcher = WatcherProcess.Start(PathArg, $"--Watcher:StubStatusUrl={nginx.Url}");
        await watcher.WaitReadyAsync();
        await Eventually.Holds(async () => Exposition.Value(await watcher.ScrapeAsync(), "nginx_up") == 1, Within, $"nginx_up 1; stdout: {watcher.Stdout}");

        // Then one page has both request totals, the stub_status values, and no family twice
        string page = await watcher.ScrapeAsync();
        Assert.Equal(2, Exposition.Value(page, "nginx_http_requests_total"));
        Assert.Equal(81198, Exposition.Value(page, "nginx_stub_status_requests_total"));
        Assert.Equal(21, Exposition.Value(page, "nginx_connections_active"));
        Assert.True(page.IndexOf("\nnginx_up ", StringComparison.Ordinal) > page.IndexOf("\nwatcher_lines_total", StringComparison.Ordinal), "after the log's metrics");
        Assert.Equal("", await Promtool.CheckMetricsAsync(page));
        Assert.Contains($"Reading nginx's stub_status at {nginx.Url} every 5 s", watcher.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stub_status_that_is_down_leaves_metrics_serving_with_nginx_up_0_and_one_warning()
    {
        await using var watcher = WatcherProcess.Start(PathArg, $"--Watcher:StubStatusUrl=http://127.0.0.1:{Ports.Free()}/stub_status");
        await watcher.WaitReadyAsync();
        await Eventually.Holds(() => watcher.Stdout.Contains("cannot be read", StringComparison.Ordinal), Within, $"the warning; stdout: {watcher.Stdout}");

        string page = await watcher.ScrapeAsync();
        Assert.Equal(0, Exposition.Value(page, "nginx_up"));
        Assert.DoesNotContain("nginx_connections_", page, StringComparison.Ordinal);
        Assert.Contains("watcher_lines_total", page, StringComparison.Ordinal);
        Assert.Single(watcher.Stdout.Split('\n'), l => l.Contains("cannot be read: connection failed (ConnectionRefused)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_setting_there_is_no_nginx_up()
    {
        await using var watcher = WatcherProcess.Start(PathArg);
        await watcher.WaitReadyAsync();

        Assert.DoesNotContain("nginx_up", await watcher.ScrapeAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("stub_status", watcher.Stdout, StringComparison.Ordinal);
    }

    private const string MainLine = "10.0.0.1 - - [08/Jan/2020:08:59:14 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"curl/8.0\" \"-\"\n";
}
