using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// No entry in a watched folder stops the tailer: what a glob, a rename or a scan of a log's rotated siblings brings
/// and cannot be looked at (a symlink loop, a name too long) or read (a FIFO, a socket, a device) is counted once
/// in <c>watcher_read_errors_total</c> and skipped, and the real logs stay exact.
/// </summary>
public sealed class UnfollowableEntriesTests : IDisposable
{
    private readonly TempFolder _folder = new("odd-entries");

    public void Dispose() => _folder.Dispose();

    private static TailerSettings Settings(string path, bool notifications = true) => TailerHarness.Settings(path, notifications: notifications);

    private static string Counts(IEnumerable<KeyValuePair<string, int>> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Odd_entries_matching_a_glob_at_start_and_while_running_are_counted_once_each_and_the_real_log_stays_exact(int seed)
    {
        var random = new Random(seed);
        using var odd = new OddEntries(_folder.Path);
        string real = _folder.File("real.access.log");
        using var writer = new LogWriter(real);
        writer.Lines("a", 5);
        var expected = LogWriter.Expected("a", 5).ToList();

        // Given odd entries that match the glob before the tailer starts, a symlink loop always among them
        odd.Make(OddEntries.Kind.LoopPair, "loop.access.log");
        for (int i = 0; i < 6; i++)
        {
            odd.MakeAny(random, "start", ".access.log");
        }
        await using var tailer = SeveralLogsHarness.Start([_folder.File("*.access.log")], Settings(_folder.File("unused.log")));
        await tailer.Lines(real, 5);

        // When more appear while it runs, between writes to the real log
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 3; i++)
            {
                odd.MakeAny(random, $"run{round}-", ".access.log");
            }
            writer.Lines($"b{round}-", 2);
            expected.AddRange(LogWriter.Expected($"b{round}-", 2));
            await tailer.Settle();
        }
        // and names keep changing in the folder (each change has the tailer look at every name again)
        File.WriteAllText(_folder.File("churn.txt"), "x\n");
        File.Delete(_folder.File("churn.txt"));
        await tailer.Lines(real, expected.Count);
        await tailer.Settle();

        // Then the real log is exact, each odd entry was counted once, and the tailer runs on
        string made = $"seed {seed}: {string.Join(", ", odd.Names)}; log: {tailer.Messages}";
        Assert.True(expected.SequenceEqual(tailer.SinkOf(real).Lines), made);
        Assert.True(Counts(odd.Expected) == Counts(tailer.ReadErrors), $"read errors {Counts(tailer.ReadErrors)}, expected {Counts(odd.Expected)}; {made}");
        Assert.Equal(0, tailer.FilesLost);
        Assert.Empty(tailer.Main.LogsSkipped);
        tailer.Running();
    }

    [Fact]
    public async Task A_skipped_entry_or_log_is_in_the_next_checkpoint_so_metrics_show_it_while_nothing_else_moves()
    {
        // Given one log followed (MaxLogs 1) and nothing else happening
        string log = _folder.File("a.access.log");
        File.WriteAllText(log, "a0\n");
        await using var tailer = SeveralLogsHarness.Start([_folder.File("*.access.log")], Settings(_folder.File("unused.log")), maxLogs: 1);
        await tailer.Lines(log, 1);
        await tailer.Settle();
        int before = tailer.Main.Checkpoints.Count;

        // When a symlink loop appears, then a log that finds no slot
        File.CreateSymbolicLink(_folder.File("loop.access.log"), _folder.File("loop.access.log"));
        await tailer.Settle();
        int afterLoop = tailer.Main.Checkpoints.Count;
        File.WriteAllText(_folder.File("b.access.log"), "b0\n");
        await tailer.Settle();

        // Then each is followed by a checkpoint: the sink publishes (and saves) its counts at checkpoints
        Assert.True(afterLoop > before, $"no checkpoint after the loop was counted ({before} before, {afterLoop} after)");
        Assert.True(tailer.Main.Checkpoints.Count > afterLoop, "no checkpoint after the log was skipped");
        Assert.Equal("symlink_loop=1", Counts(tailer.ReadErrors));
        Assert.Single(tailer.Main.LogsSkipped);
    }

    [Fact]
    public async Task Odd_siblings_of_a_single_log_never_stop_it_through_a_copytruncate_and_a_restart()
    {
        // Given a log whose folder holds entries named like its rotated files that cannot be looked at or read
        string log = _folder.File("access.log");
        using var odd = new OddEntries(_folder.Path);
        odd.Make(OddEntries.Kind.LoopPair, "access.log.7", "access.log.8");
        odd.Make(OddEntries.Kind.NameTooLong, "access.log.9");
        odd.Make(OddEntries.Kind.Dangling, "access.log.x");
        odd.Make(OddEntries.Kind.Fifo, "access.log-20260101");
        odd.Make(OddEntries.Kind.Socket, "access.log.sock");
        odd.Make(OddEntries.Kind.CharDevice, "access.log.dev");
        using var worker = new LogWriter(log);
        worker.Lines("a", 3);
        var settings = Settings(log, notifications: false);
        TailCheckpoint saved;
        await using (var tailer = TailerHarness.StartOnFakeClock(settings))
        {
            await tailer.LinesAfter(3);

            // When lines no read saw yet are copied away and the log truncated (the copy is found among the siblings)
            worker.Lines("unread", 2);
            File.Copy(log, log + ".1");
            using (var truncate = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                truncate.SetLength(0);
            }
            worker.Lines("b", 2);

            // Then the unread lines come from the copy, and each sibling that cannot be looked at is counted once
            var lines = await tailer.LinesAfter(7);
            string[] expected = [.. LogWriter.Expected("a", 3), .. LogWriter.Expected("unread", 2), .. LogWriter.Expected("b", 2)];
            Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
            Assert.Equal("io=1, symlink_loop=2", Counts(tailer.Sink.ReadErrors.GroupBy(e => e.Label()).Select(g => KeyValuePair.Create(g.Key, g.Count()))));
            saved = (await tailer.StopAsync())!;
        }

        // When the log is rotated while the watcher is stopped, and it starts again (the siblings are looked at again)
        worker.Lines("c", 1);
        worker.Dispose();
        File.Move(log, log + ".2");
        using (var next = new LogWriter(log))
        {
            next.Lines("d", 2);
        }
        await using var second = TailerHarness.StartOnFakeClock(settings, saved);

        // Then it goes on exactly
        Assert.Equal(["c0", "d0", "d1"], await second.LinesAfter(3));
        Assert.Equal(0, second.Sink.FilesLost);
        Assert.Equal("io=1, symlink_loop=2", Counts(second.Sink.ReadErrors.GroupBy(e => e.Label()).Select(g => KeyValuePair.Create(g.Key, g.Count()))));
    }

    [Fact]
    public async Task A_symlink_loop_at_the_log_path_is_counted_once_and_a_regular_file_there_later_is_read()
    {
        // Given the log's path is a symlink to itself when the tailer starts
        string log = _folder.File("access.log");
        File.CreateSymbolicLink(log, log);
        await using var tailer = TailerHarness.Start(log);

        // Then the tailer keeps turning and counts it once
        await tailer.Settle();
        await tailer.Settle();
        Assert.Equal(["symlink_loop"], tailer.Sink.ReadErrors.Select(e => e.Label()));

        // When a regular file replaces it, it is read
        File.Delete(log);
        using (var worker = new LogWriter(log))
        {
            worker.Lines("x", 2);
        }
        Assert.Equal(LogWriter.Expected("x", 2), await tailer.LinesAfter(2));
        Assert.Equal(["symlink_loop"], tailer.Sink.ReadErrors.Select(e => e.Label()));
    }

    [Fact]
    public async Task A_symlink_loop_renamed_over_a_followed_log_is_counted_once_and_the_old_file_is_read_to_its_end()
    {
        // Given a log of a glob, followed, still open in nginx
        string log = _folder.File("site.access.log");
        using var worker = new LogWriter(log);
        worker.Lines("a", 2);
        // (a long drain quiet period: the file stays followed however slowly this test runs)
        var settings = Settings(_folder.File("unused.log")) with { DrainQuietPeriod = TimeSpan.FromMinutes(1) };
        await using var tailer = SeveralLogsHarness.Start([_folder.File("*.access.log")], settings);
        await tailer.Lines(log, 2);

        // When a symlink loop is renamed over its path while nginx goes on writing to the file it has open
        string loop = _folder.File("tmp-link");
        File.CreateSymbolicLink(loop, log); // once renamed to the log's name, it names itself
        File.Move(loop, log, overwrite: true);
        worker.Lines("b", 2);
        await tailer.Settle();
        worker.Lines("c", 1);
        await tailer.Lines(log, 5);
        await tailer.Settle();

        // Then what nginx wrote is read, and the loop is counted once, however many turns look at it
        Assert.Equal(["a0", "a1", "b0", "b1", "c0"], tailer.SinkOf(log).Lines);
        Assert.Equal("symlink_loop=1", Counts(tailer.ReadErrors));
        tailer.Running();
    }
}
