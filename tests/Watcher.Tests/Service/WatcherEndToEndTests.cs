using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>The built watcher on real files: counts appear on /metrics and survive restarts exactly.</summary>
[Collection(WatcherProcess.Collection)]
public sealed class WatcherEndToEndTests : IDisposable
{
    // Generous: a child process starting on a busy 2-core machine; a passing run takes a second or two.
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new("watcher-e2e");
    private readonly string _log;
    private readonly string _state;
    private int _written;

    public WatcherEndToEndTests()
    {
        _log = _folder.File("access.log");
        _state = Path.Combine(_folder.Path, "state");
        Directory.CreateDirectory(_state);
    }

    public void Dispose() => _folder.Dispose();

    private string[] Args(bool withState = true) =>
        withState
            ? [$"--Watcher:Path={_log}", $"--Watcher:StateDirectory={_state}"]
            : [$"--Watcher:Path={_log}"];

    private void Append(int lines, string? path = null)
    {
        using var file = new FileStream(path ?? _log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        using var writer = new StreamWriter(file);
        for (int i = 0; i < lines; i++)
        {
            writer.Write(TestLines.MainLine(status: 200 + (_written % 3), i: _written) + "\n");
            _written++;
        }
    }

    private static Task WaitForRequests(WatcherProcess watcher, int expected) =>
        Eventually.Holds(async () => await watcher.RequestsAsync() == expected, Within, $"{expected} requests on /metrics; stderr: {watcher.Stderr}; stdout: {watcher.Stdout}");

    [Fact]
    public async Task Lines_appended_appear_on_metrics_and_the_log_file_may_appear_late()
    {
        await using var watcher = WatcherProcess.Start(Args(withState: false));
        await watcher.WaitReadyAsync();

        Append(5);
        await WaitForRequests(watcher, 5);
        Append(7);
        await WaitForRequests(watcher, 12);

        string metrics = await watcher.ScrapeAsync();
        Assert.Equal(12, Exposition.Value(metrics, "watcher_lines_total", "result=\"parsed\""));
        Assert.Contains("watcher_build_info", metrics, StringComparison.Ordinal);
        Assert.Equal(0, await watcher.StopAsync());
        Assert.Contains("Watcher stopped: 12 requests", watcher.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_in_the_exporters_syntax_work_durations_and_the_listen_address()
    {
        int port = Ports.Free();
        await using var watcher = WatcherProcess.Start(port, $"--Watcher:Path={_log}", "--Watcher:ReadInterval=250ms",
            "--Watcher:CatchUpTimeout=2s", $"--web.listen-address=127.0.0.1:{port}");
        await watcher.WaitReadyAsync();

        Append(3);
        await WaitForRequests(watcher, 3);
        Assert.Equal(0, await watcher.StopAsync());
        Assert.Contains("read every 250 ms and when scraped (waiting at most 2 s)", watcher.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counters_continue_after_a_clean_stop_including_lines_written_while_stopped()
    {
        // Given a watcher that counted some lines and stopped with SIGTERM
        Append(10);
        await using (var first = WatcherProcess.Start(Args()))
        {
            await WaitForRequests(first, 10);
            Assert.Equal(0, await first.StopAsync());
        }

        // When lines are written while it is down and it starts again
        Append(5);
        await using var second = WatcherProcess.Start(Args());

        // Then nothing is lost or counted twice
        await WaitForRequests(second, 15);
        Append(1);
        await WaitForRequests(second, 16);
        Assert.Equal(16, _written);
    }

    [Fact]
    public async Task Counters_are_exact_and_never_go_backwards_across_a_kill_while_lines_are_appended()
    {
        // Given a watcher counting while a writer appends
        var first = WatcherProcess.Start(Args());
        await first.WaitReadyAsync();
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            while (!stopWriting.IsCancellationRequested)
            {
                Append(20);
                await Task.Delay(2);
            }
        });
        double lastBeforeKill = 0;
        await Eventually.Holds(async () => (lastBeforeKill = await first.RequestsAsync()) > 200, Within, "some lines counted");

        // When it is killed mid-stream (no chance to save) and restarted
        lastBeforeKill = await first.RequestsAsync();
        await first.KillAsync();
        await first.DisposeAsync();
        await using var second = WatcherProcess.Start(Args());
        double firstAfter = 0;
        await Eventually.Holds(async () => { firstAfter = await second.RequestsAsync(); return true; }, Within, "first scrape after restart");
        stopWriting.Cancel();
        await writer;

        // Then the first scrape after the restart is not below the last one before the kill, and the final count is exact
        Assert.True(firstAfter >= lastBeforeKill, $"went backwards: {lastBeforeKill} before the kill, {firstAfter} after");
        await WaitForRequests(second, _written);
    }

    [Fact]
    public async Task A_rename_rotation_while_stopped_is_finished_then_the_new_file_read()
    {
        Append(8);
        await using (var first = WatcherProcess.Start(Args()))
        {
            await WaitForRequests(first, 8);
            Assert.Equal(0, await first.StopAsync());
        }

        // logrotate while the watcher is down: the old file gets more lines, is renamed, a new one is created
        Append(3);
        File.Move(_log, _log + ".1");
        Append(4);

        await using var second = WatcherProcess.Start(Args());
        await WaitForRequests(second, 15);
        string metrics = await second.ScrapeAsync();
        Assert.Equal(15, Exposition.Value(metrics, "watcher_lines_total", "result=\"parsed\""));
    }

    [Fact]
    public async Task Several_logs_by_a_glob_are_counted_per_log_and_exactly_across_a_kill_and_a_rotation()
    {
        // Given two vhosts' logs matched by a glob, and a watcher with a state folder
        string a = _folder.File("site-a.access.log"), b = _folder.File("site-b.access.log");
        string[] args = [$"--Watcher:Path={_folder.File("*.access.log")}", $"--Watcher:StateDirectory={_state}"];
        Append(4, a);
        Append(6, b);
        var first = WatcherProcess.Start(args);
        await WaitForRequests(first, 10);
        string metrics = await first.ScrapeAsync();
        Assert.Equal(4, Exposition.Value(metrics, "nginx_http_requests_total", "log=\"site-a.access.log\""));
        Assert.Equal(6, Exposition.Value(metrics, "nginx_http_requests_total", "log=\"site-b.access.log\""));

        // When it is killed, b is rotated while it is down, both get lines, and it starts again
        await first.KillAsync();
        await first.DisposeAsync();
        Append(2, a);
        File.Move(b, b + ".1");
        Append(3, b);
        await using var second = WatcherProcess.Start(args);

        // Then every line of both logs is counted once, under its own log
        await WaitForRequests(second, 15);
        metrics = await second.ScrapeAsync();
        Assert.Equal(6, Exposition.Value(metrics, "nginx_http_requests_total", "log=\"site-a.access.log\""));
        Assert.Equal(9, Exposition.Value(metrics, "nginx_http_requests_total", "log=\"site-b.access.log\""));
        Assert.Equal(15, _written);
    }
}
