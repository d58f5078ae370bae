using Microsoft.Extensions.Time.Testing;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>Thousands of files matching a glob: the skipped ones summarised in the log, and an idle tailer that does not list them again and again.</summary>
public sealed class ManyLogsTests : IDisposable
{
    private readonly TempFolder _folder = new("many-logs");

    public void Dispose() => _folder.Dispose();

    private string Glob => _folder.File("*.access.log");

    private void MakeLogs(string prefix, int count)
    {
        for (int i = 0; i < count; i++)
        {
            File.WriteAllText(_folder.File($"{prefix}{i:D4}.access.log"), $"{prefix}{i}\n");
        }
    }

    private static string[] SkipLines(SeveralLogsHarness tailer) =>
        [.. tailer.Log.Lines.Select(l => l.Message).Where(m => m.Contains("Watcher:MaxLogs", StringComparison.Ordinal))];

    [Fact]
    public async Task Logs_beyond_MaxLogs_are_summarised_in_one_line_then_at_most_one_per_interval_and_counted_once_each()
    {
        // Given 300 logs and room for 2
        MakeLogs("site", 300);
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var tailer = SeveralLogsHarness.Start([Glob], TailerHarness.Settings(_folder.File("unused.log")), maxLogs: 2, clock: clock);
        await tailer.Settle();

        // Then one line says how many were skipped, with a few of their names; each is counted once
        string first = Assert.Single(SkipLines(tailer));
        Assert.Contains("298", first, StringComparison.Ordinal);
        Assert.Contains("site0002.access.log", first, StringComparison.Ordinal);
        Assert.Equal(298, tailer.Main.LogsSkipped.Distinct().Count());
        Assert.Equal(298, tailer.Main.LogsSkipped.Count);

        // When 40 more appear within the interval, they wait for the next line
        MakeLogs("late", 40);
        await tailer.Settle();
        Assert.Single(SkipLines(tailer));
        Assert.Equal(338, tailer.Main.LogsSkipped.Count);

        // Then, once the interval has passed, one more line tells of them, and nothing more while nothing changes
        clock.Advance(TimeSpan.FromSeconds(10));
        await tailer.Settle();
        var lines = SkipLines(tailer);
        Assert.Equal(2, lines.Length);
        Assert.Contains("40", lines[1], StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromSeconds(10));
        await tailer.Settle();
        Assert.Equal(2, SkipLines(tailer).Length);
        Assert.Equal(338, tailer.Main.LogsSkipped.Count);
    }

    [Fact]
    public async Task Without_notifications_a_folder_whose_names_did_not_change_is_not_listed_at_every_turn()
    {
        // A listing updates the folder's access time where the file system records it (relatime: when it is older
        // than a day): that is how this test sees listings from outside. Without access times it cannot see them.
        var longAgo = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Directory.SetLastAccessTimeUtc(_folder.Path, longAgo);
        _ = Directory.EnumerateFileSystemEntries(_folder.Path).Count();
        if (Directory.GetLastAccessTimeUtc(_folder.Path) == longAgo)
        {
            return;
        }

        // Given many logs, a tailer without name events that reads every 25 ms, and a while for the folder to settle
        MakeLogs("site", 200);
        await using var tailer = SeveralLogsHarness.Start([Glob], TailerHarness.Settings(_folder.File("unused.log"), notifications: false), maxLogs: 2);
        await tailer.Settle();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await tailer.Settle();

        // When nothing changes in the folder for many turns
        Directory.SetLastAccessTimeUtc(_folder.Path, longAgo);
        await tailer.Settle();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await tailer.Settle();

        // Then it was not listed again
        Assert.Equal(longAgo, Directory.GetLastAccessTimeUtc(_folder.Path));
    }

    [Fact]
    public async Task Without_notifications_a_log_that_appears_is_still_found_and_read_from_its_start()
    {
        MakeLogs("site", 3);
        await using var tailer = SeveralLogsHarness.Start([Glob], TailerHarness.Settings(_folder.File("unused.log"), notifications: false));
        await tailer.Lines(_folder.File("site0002.access.log"), 1);
        await Task.Delay(FolderStamp.Settle * 1.5); // past the time a listing is repeated after a change
        await tailer.Settle();

        File.WriteAllText(_folder.File("new.access.log"), "n0\nn1\n");
        await tailer.Lines(_folder.File("new.access.log"), 2);
        Assert.Equal(["n0", "n1"], tailer.SinkOf(_folder.File("new.access.log")).Lines);
    }
}
