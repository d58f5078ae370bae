using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// When a followed log gives its <c>MaxLogs</c> slot back: a log found through a glob, deleted after it was read to
/// its end and gone for the drain quiet period, leaves the followed set and the saved state, is not counted lost,
/// and a new log takes its slot, also across a restart. A path named without a glob waits for its file instead.
/// </summary>
public sealed class LogSlotTests : IDisposable
{
    private readonly TempFolder _folder = new("log-slots");

    public void Dispose() => _folder.Dispose();

    private string LogOf(string name) => _folder.File(name);

    private string Glob => _folder.File("*.access.log");

    /// <summary>The harness's settings: a 300 ms drain quiet period unless <paramref name="quiet"/> says otherwise.</summary>
    private TailerSettings Settings(TimeSpan? quiet = null)
    {
        var settings = TailerHarness.Settings(_folder.File("unused.log"));
        return quiet is { } q ? settings with { DrainQuietPeriod = q } : settings;
    }

    private void Write(string name, string prefix, int lines)
    {
        using var writer = new LogWriter(LogOf(name));
        writer.Lines(prefix, lines);
    }

    private static string Names(IEnumerable<string?> paths) => string.Join(", ", paths.Select(Path.GetFileName).Order(StringComparer.Ordinal));

    [Fact]
    public async Task A_log_of_a_glob_deleted_after_it_was_read_to_its_end_gives_its_slot_to_a_new_log_and_is_not_counted_lost()
    {
        // Given three logs followed, as many as MaxLogs allows, each read to its end
        Write("a.access.log", "a", 2);
        Write("b.access.log", "b", 2);
        Write("c.access.log", "c", 2);
        await using var tailer = SeveralLogsHarness.Start([Glob], Settings(), maxLogs: 3);
        foreach (string name in new[] { "a", "b", "c" })
        {
            await tailer.Lines(LogOf($"{name}.access.log"), 2);
        }

        // When two are deleted, and stay gone for the drain quiet period
        File.Delete(LogOf("a.access.log"));
        File.Delete(LogOf("b.access.log"));
        await Eventually.Holds(() => Names(tailer.SavedPaths) == "c.access.log", TailerHarness.Within,
            $"only c.access.log saved (saved: {Names(tailer.SavedPaths)}); log: {tailer.Messages}");

        // Then new logs take their slots, read from their start
        Write("d.access.log", "d", 2);
        Write("e.access.log", "e", 3);
        await tailer.Lines(LogOf("d.access.log"), 2);
        await tailer.Lines(LogOf("e.access.log"), 3);
        await tailer.Settle();
        Assert.Equal(LogWriter.Expected("e", 3), tailer.SinkOf(LogOf("e.access.log")).Lines);
        Assert.Empty(tailer.Main.LogsSkipped);
        Assert.Equal(0, tailer.FilesLost);
        Assert.Equal("c.access.log, d.access.log, e.access.log", Names(tailer.SavedPaths));
    }

    [Fact]
    public async Task A_log_skipped_while_every_slot_was_taken_is_read_from_its_start_once_a_deleted_log_gives_its_slot_back()
    {
        // Given two logs followed and a third skipped (MaxLogs 2)
        Write("a.access.log", "a", 1);
        Write("b.access.log", "b", 1);
        await using var tailer = SeveralLogsHarness.Start([Glob], Settings(), maxLogs: 2);
        await tailer.Lines(LogOf("a.access.log"), 1);
        await tailer.Lines(LogOf("b.access.log"), 1);
        Write("c.access.log", "c", 3);
        await tailer.Settle();
        Assert.Equal([LogOf("c.access.log")], tailer.Main.LogsSkipped);

        // When a followed log is deleted
        File.Delete(LogOf("a.access.log"));

        // Then the skipped log takes its slot once the quiet period passed, all of it read, counted skipped once
        await tailer.Lines(LogOf("c.access.log"), 3);
        await tailer.Settle();
        Assert.Equal(LogWriter.Expected("c", 3), tailer.SinkOf(LogOf("c.access.log")).Lines);
        Assert.Equal([LogOf("c.access.log")], tailer.Main.LogsSkipped);
        Assert.Equal(0, tailer.FilesLost);
    }

    [Fact]
    public async Task A_log_deleted_just_before_a_stop_is_dropped_at_the_restart_not_counted_lost_and_its_slot_is_free()
    {
        // Given two logs followed (MaxLogs 2), read to their end; a drain quiet period longer than the test
        var settings = Settings(quiet: TimeSpan.FromMinutes(1));
        Write("a.access.log", "a", 2);
        Write("b.access.log", "b", 2);
        TailCheckpoint saved;
        await using (var first = SeveralLogsHarness.Start([Glob], settings, maxLogs: 2))
        {
            await first.Lines(LogOf("a.access.log"), 2);
            await first.Lines(LogOf("b.access.log"), 2);

            // When one is deleted, the tailer sees it, and it is stopped before the quiet period ends
            File.Delete(LogOf("a.access.log"));
            await first.Settle();
            saved = (await first.StopAsync())!;
            Assert.Equal(0, first.FilesLost);
        }

        // Then after the restart the deleted log is not followed nor counted lost, and a new log takes its slot
        Write("c.access.log", "c", 2);
        await using var second = SeveralLogsHarness.Start([Glob], settings, maxLogs: 2, resume: saved);
        await second.Lines(LogOf("c.access.log"), 2);
        await second.Settle();
        Assert.Equal(0, second.FilesLost);
        Assert.Empty(second.Main.LogsSkipped);
        Assert.False(second.Followed(LogOf("a.access.log")));
        Assert.Equal("b.access.log, c.access.log", Names(second.SavedPaths));
    }

    [Fact]
    public async Task A_log_deleted_while_the_watcher_was_stopped_is_counted_lost_and_then_gives_its_slot_back()
    {
        // Given two logs followed (MaxLogs 2), then the tailer stopped
        Write("a.access.log", "a", 2);
        Write("b.access.log", "b", 2);
        TailCheckpoint saved;
        await using (var first = SeveralLogsHarness.Start([Glob], Settings(), maxLogs: 2))
        {
            await first.Lines(LogOf("a.access.log"), 2);
            await first.Lines(LogOf("b.access.log"), 2);
            saved = (await first.StopAsync())!;
        }

        // When one is deleted while it is stopped (whatever was written to it after the save is gone), and a new log appears
        File.Delete(LogOf("a.access.log"));
        Write("c.access.log", "c", 2);
        await using var second = SeveralLogsHarness.Start([Glob], Settings(), maxLogs: 2, resume: saved);

        // Then the saved file is counted lost once, and the log's slot goes to the new one
        await second.Lines(LogOf("c.access.log"), 2);
        await second.Settle();
        Assert.Equal(1, second.FilesLost);
        Assert.Equal("b.access.log, c.access.log", Names(second.SavedPaths));
    }

    [Fact]
    public async Task A_single_configured_path_is_never_dropped_and_waits_for_its_file()
    {
        // Given the one log of Watcher:Path, read, then deleted and gone for longer than the drain quiet period
        string log = LogOf("access.log");
        Write("access.log", "a", 2);
        await using var tailer = TailerHarness.Start(log);
        await tailer.LinesAfter(2);
        File.Delete(log);
        await Task.Delay(TailerHarness.Settings(log).DrainQuietPeriod * 3);
        await tailer.Settle();

        // When it comes back, it is read from its start, as a re-created log
        Write("access.log", "b", 2);
        Assert.Equal([.. LogWriter.Expected("a", 2), .. LogWriter.Expected("b", 2)], await tailer.LinesAfter(4));
        Assert.Equal([RotationKind.Recreated], tailer.Sink.Rotations);
        Assert.Equal(0, tailer.Sink.FilesLost);
        Assert.Single(tailer.Sink.Saved!.Logs);
    }

    [Fact]
    public async Task A_path_named_in_a_list_keeps_its_place_and_waits_for_its_file()
    {
        // Given a list of a path and a glob (MaxLogs 2), the path's log deleted and gone for longer than the quiet period
        Write("main.log", "m", 1);
        Write("a.access.log", "a", 1);
        await using var tailer = SeveralLogsHarness.Start([LogOf("main.log"), Glob], Settings(), maxLogs: 2);
        await tailer.Lines(LogOf("main.log"), 1);
        await tailer.Lines(LogOf("a.access.log"), 1);
        File.Delete(LogOf("main.log"));
        await Task.Delay(Settings().DrainQuietPeriod * 3);
        await tailer.Settle();

        // When another log matches the glob, it finds no slot: the named path keeps its own
        Write("b.access.log", "b", 1);
        await tailer.Settle();
        Assert.Equal([LogOf("b.access.log")], tailer.Main.LogsSkipped);

        // And the named log, when it comes back, is read from its start as a re-created log
        Write("main.log", "n", 2);
        await tailer.Lines(LogOf("main.log"), 3);
        Assert.Equal(["m0", "n0", "n1"], tailer.SinkOf(LogOf("main.log")).Lines);
        Assert.Equal([RotationKind.Recreated], tailer.Main.Rotations);
        var rotated = Assert.Single(tailer.Log.Lines, l => l.Message.Contains(": draining the old file", StringComparison.Ordinal));
        Assert.StartsWith(LogOf("main.log") + " was recreated", rotated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_log_renamed_away_with_no_new_file_keeps_its_slot_and_what_nginx_appends_is_read()
    {
        // Given one log followed (MaxLogs 1), still open in nginx
        using var nginx = new LogWriter(LogOf("site.access.log"));
        nginx.Lines("a", 1);
        await using var tailer = SeveralLogsHarness.Start([Glob], Settings(), maxLogs: 1);
        await tailer.Lines(LogOf("site.access.log"), 1);

        // When it is renamed away (logrotate without create, nginx not reopened yet) for longer than the quiet period
        File.Move(LogOf("site.access.log"), LogOf("site.access.log.1"));
        await Task.Delay(Settings().DrainQuietPeriod * 3);
        await tailer.Settle();
        Write("other.access.log", "o", 1);
        nginx.Lines("b", 2);

        // Then it keeps its slot (it still has a name: nginx may write to it until it reopens) and is read on
        await tailer.Lines(LogOf("site.access.log"), 3);
        await tailer.Settle();
        Assert.Equal([LogOf("other.access.log")], tailer.Main.LogsSkipped);
        Assert.Equal(0, tailer.FilesLost);
    }
}
