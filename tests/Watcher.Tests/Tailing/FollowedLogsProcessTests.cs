using System.Text.Json;
using Sidecars.Testing;
using Sidecars.Tests.Watcher.Metrics;
using Sidecars.Tests.Watcher.Service;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// The built watcher on a glob: entries it may not look at never stop it, and logs deleted after they were read
/// give their slots back, also across a restart with a state folder.
/// </summary>
[Collection(WatcherProcess.Collection)]
public sealed class FollowedLogsProcessTests : IDisposable
{
    private const int Nobody = 65534;
    private readonly TempFolder _folder = new("followed-logs");
    private int _written;

    public void Dispose() => _folder.Dispose();

    private string Glob => _folder.File("*.access.log");

    private void Append(string name, int lines)
    {
        using var file = new FileStream(_folder.File(name), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        using var writer = new StreamWriter(file);
        for (int i = 0; i < lines; i++)
        {
            writer.Write(TestLines.MainLine(i: _written++) + "\n");
        }
    }

    /// <summary>A folder only root may enter, holding a log, and a symlink to that log named like the logs to follow.</summary>
    private void LinkIntoAFolderNobodyMayEnter(string linkName)
    {
        string secret = _folder.File("secret-" + linkName);
        Directory.CreateDirectory(secret);
        File.WriteAllText(Path.Combine(secret, "hidden.access.log"), TestLines.MainLine() + "\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(_folder.File(linkName), Path.Combine(secret, "hidden.access.log"));
    }

    [Fact]
    public async Task Entries_an_ordinary_user_may_not_look_at_are_counted_as_permission_denied_and_the_watcher_goes_on()
    {
        if (!WatcherChild.CanRunAsAnotherUser)
        {
            return; // as root every permission is granted: this needs root to start the watcher as another user
        }
        // Given a log, and a link named like a log into a folder the watcher's user may not enter, at start
        File.SetUnixFileMode(_folder.Path, (UnixFileMode)0b111_101_101);
        Append("real.access.log", 3);
        LinkIntoAFolderNobodyMayEnter("peek.access.log");
        await using var watcher = WatcherChild.Start(Nobody, $"--Watcher:Path={Glob}");

        // Then it runs, counts the real log, and counts the link once
        await watcher.WaitFor("nginx_http_requests_total", 3);
        await watcher.WaitFor("watcher_read_errors_total", 1, "reason=\"permission_denied\"");

        // When more such links and a symlink loop appear while it runs
        LinkIntoAFolderNobodyMayEnter("peek2.access.log");
        File.CreateSymbolicLink(_folder.File("loop1.access.log"), _folder.File("loop2.access.log"));
        File.CreateSymbolicLink(_folder.File("loop2.access.log"), _folder.File("loop1.access.log"));
        Append("real.access.log", 2);

        // Then it goes on, the real log exact, each entry counted once
        await watcher.WaitFor("nginx_http_requests_total", 5);
        await watcher.WaitFor("watcher_read_errors_total", 2, "reason=\"permission_denied\"");
        await watcher.WaitFor("watcher_read_errors_total", 2, "reason=\"symlink_loop\"");
        Append("real.access.log", 1);
        await watcher.WaitFor("nginx_http_requests_total", 6);
        Assert.Equal(2, await watcher.ValueAsync("watcher_read_errors_total", "reason=\"permission_denied\""));
        Assert.Equal(0, await watcher.StopAsync());
    }

    [Fact]
    public async Task Deleted_logs_give_their_slots_back_while_it_runs_and_across_a_restart_with_a_state_folder()
    {
        // Given 16 logs followed (MaxLogs 16) with a state folder
        string state = _folder.File("state");
        Directory.CreateDirectory(state);
        string[] args = [$"--Watcher:Path={Glob}", $"--Watcher:StateDirectory={state}", "--Watcher:MaxLogs=16"];
        for (int i = 0; i < 16; i++)
        {
            Append($"log{i:D2}.access.log", 1);
        }
        var first = WatcherChild.Start(null, args);
        await using (first)
        {
            await first.WaitFor("nginx_http_requests_total", 16);

            // When 15 of them are deleted, a scrape has seen it, and the watcher is stopped within the drain quiet period
            for (int i = 1; i < 16; i++)
            {
                File.Delete(_folder.File($"log{i:D2}.access.log"));
            }
            await first.ScrapeAsync();
            Assert.Equal(0, await first.StopAsync());
        }

        // Then after a restart a new log is followed, nothing counted lost, and the state names the two logs left
        Append("fresh.access.log", 2);
        await using var second = WatcherChild.Start(null, args);
        await second.WaitFor("nginx_http_requests_total", 18);
        Assert.Equal(0, await second.ValueAsync("watcher_files_lost_total"));
        Assert.Equal(0, await second.ValueAsync("watcher_logs_skipped_total"));
        Assert.Equal(["fresh.access.log", "log00.access.log"], SavedLogs(state));

        // When 16 more appear (14 slots are free) and two of the followed ones are deleted while it runs
        for (int i = 0; i < 16; i++)
        {
            Append($"more{i:D2}.access.log", 1);
        }
        await second.WaitFor("nginx_http_requests_total", 18 + 14);
        await second.WaitFor("watcher_logs_skipped_total", 2);
        File.Delete(_folder.File("more00.access.log"));
        File.Delete(_folder.File("more01.access.log"));

        // Then, after the drain quiet period, the two skipped logs take their slots, and nothing is counted lost
        await second.WaitFor("nginx_http_requests_total", 18 + 16);
        Assert.Equal(0, await second.ValueAsync("watcher_files_lost_total"));
        Assert.Equal(2, await second.ValueAsync("watcher_logs_skipped_total"));
        Assert.Equal(16, SavedLogs(state).Count);
        Assert.DoesNotContain("more00.access.log", SavedLogs(state));
    }

    /// <summary>The file names of the logs in the newest state slot.</summary>
    private static List<string> SavedLogs(string state)
    {
        var newest = Directory.GetFiles(state, "watcher-state.*.json")
            .Select(f => File.ReadAllText(f).Trim())
            .Where(text => text.Length > 0)
            .Select(text => JsonDocument.Parse(text).RootElement)
            .MaxBy(e => e.GetProperty("Sequence").GetInt64());
        return [.. newest.GetProperty("State").GetProperty("Logs").EnumerateArray()
            .Select(l => Path.GetFileName(l.GetProperty("Path").GetString()!)).Order(StringComparer.Ordinal)];
    }
}
