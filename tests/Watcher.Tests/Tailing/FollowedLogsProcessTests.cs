using Sidecars.Testing;
using Sidecars.Tests.Watcher.Metrics;
using Sidecars.Tests.Watcher.Service;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// The built watcher on a glob: entries it may not look at never stop it.
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
}
