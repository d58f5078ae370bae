using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// What happens to the log while the watcher is stopped: several rotations, dateext names, compression. Every
/// line still on disk is read once, and what cannot be read is counted and named.
/// </summary>
public sealed class TailerWhileStoppedTests : IDisposable
{
    private readonly TempFolder _folder = new("tailer-stopped");
    private string LogPath => _folder.File("access.log");

    public void Dispose() => _folder.Dispose();

    private async Task<TailCheckpoint> FirstRun(int lines)
    {
        await using var first = TailerHarness.Start(LogPath);
        await first.LinesAfter(lines);
        Assert.Equal(lines, first.Sink.LineCount);
        return (await first.StopAsync())!;
    }

    /// <summary>logrotate's numbered rotation with <c>rotate <paramref name="keep"/></c>: .N-1 to .N, ..., the log to .1, then a new log.</summary>
    private void Rotate(int keep, string prefix, int lines)
    {
        for (int n = keep - 1; n >= 1; n--)
        {
            if (File.Exists($"{LogPath}.{n}"))
            {
                File.Move($"{LogPath}.{n}", $"{LogPath}.{n + 1}", overwrite: true);
            }
        }
        File.Move(LogPath, LogPath + ".1", overwrite: true);
        using var worker = new LogWriter(LogPath);
        worker.Lines(prefix, lines);
    }

    [Theory]
    [InlineData(4, 1)] // rotate 4: the saved file is overwritten by the fifth rotation
    [InlineData(5, 0)] // rotate 5: it is still there as access.log.5
    public async Task Five_rotations_while_stopped_are_read_oldest_first_and_the_saved_file_gone_is_counted_lost(int keep, int lost)
    {
        // Given 50 lines read, then the watcher stopped
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 50);
        }
        TailCheckpoint saved = await FirstRun(50);

        // When the log is rotated five times while it is down, 20 lines per new file
        for (int r = 1; r <= 5; r++)
        {
            Rotate(keep, $"r{r}-", 20);
        }

        // Then every line still on disk that was not read yet is read once, oldest file first
        await using var second = TailerHarness.Start(LogPath, resume: saved);
        var lines = await second.LinesAfter(100);
        string[] expected = [.. Enumerable.Range(1, 5).SelectMany(r => LogWriter.Expected($"r{r}-", 20))];
        Assert.Equal(expected, lines);
        Assert.Equal(5, second.Sink.Rotations.Count);
        Assert.Equal(lost, second.Sink.FilesLost);
    }

    [Fact]
    public async Task Dateext_rotations_while_stopped_are_found_by_their_time_and_read_once()
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 3);
        }
        TailCheckpoint saved = await FirstRun(3);

        // dateext: access.log-YYYYMMDD; the saved file gets two more lines before its rotation
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("b", 2);
        }
        File.Move(LogPath, LogPath + "-20261125");
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("c", 2);
        }
        File.Move(LogPath, LogPath + "-20261126");
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("d", 2);
        }

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(["b0", "b1", "c0", "c1", "d0", "d1"], await second.LinesAfter(6));
        Assert.Equal(0, second.Sink.FilesLost);
    }

    [Fact]
    public async Task A_saved_file_compressed_with_gzip_while_stopped_is_read_from_its_saved_offset()
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 30);
        }
        TailCheckpoint saved = await FirstRun(30);

        // While stopped: five more lines, rotation, compression of the rotated file (logrotate without delaycompress)
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("b", 5);
        }
        File.Move(LogPath, LogPath + ".1");
        Gzip(LogPath + ".1");
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("c", 3);
        }

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal([.. LogWriter.Expected("b", 5), .. LogWriter.Expected("c", 3)], await second.LinesAfter(8));
        Assert.Equal(0, second.Sink.FilesLost);
    }

    [Fact]
    public async Task A_gzip_copy_of_a_file_already_read_is_not_read_again_and_a_new_one_is_read_in_full()
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 30);
        }
        TailCheckpoint saved = await FirstRun(30);

        // Two rotations while stopped, each rotated file compressed at once
        File.Move(LogPath, LogPath + ".1");
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("b", 4);
        }
        Gzip(LogPath + ".1");                      // the saved file, read to its end: nothing new in it
        File.Move(LogPath + ".1.gz", LogPath + ".2.gz");
        File.Move(LogPath, LogPath + ".1");
        Gzip(LogPath + ".1");                      // a file the watcher never saw
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("c", 2);
        }

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal([.. LogWriter.Expected("b", 4), .. LogWriter.Expected("c", 2)], await second.LinesAfter(6));
        Assert.Equal(0, second.Sink.FilesLost);
    }

    [Fact]
    public async Task A_saved_file_compressed_with_something_else_is_counted_lost_once_and_named()
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 3);
        }
        TailCheckpoint saved = await FirstRun(3);

        File.Move(LogPath, LogPath + ".1");
        File.WriteAllBytes(LogPath + ".1.xz", [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0]);
        File.Delete(LogPath + ".1");
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("c", 2);
        }

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(LogWriter.Expected("c", 2), await second.LinesAfter(2));
        Assert.Equal(1, second.Sink.FilesLost);
    }

    [Fact]
    public async Task A_line_unfinished_at_the_stop_is_counted_in_bytes_read_once()
    {
        using var worker = new LogWriter(LogPath);
        worker.Lines("a", 2).Write("unfinis");
        long firstRead;
        TailCheckpoint saved;
        await using (var first = TailerHarness.Start(LogPath))
        {
            await first.LinesAfter(2);
            saved = (await first.StopAsync())!;
            firstRead = first.Sink.Checkpoints.Sum(c => c.BytesRead);
        }
        worker.Write("hed\n");

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        await second.LinesAfter(1);
        await second.StopAsync();
        long secondRead = second.Sink.Checkpoints.Sum(c => c.BytesRead);

        Assert.Equal(new FileInfo(LogPath).Length, firstRead + secondRead);
    }

    private static void Gzip(string path)
    {
        using (var input = File.OpenRead(path))
        using (var output = new GZipStream(File.Create(path + ".gz"), CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }
        File.Delete(path);
    }
}

/// <summary>Paths that name something other than a regular file, and files that come back to the path.</summary>
public sealed class TailerPathTests : IDisposable
{
    private readonly TempFolder _folder = new("tailer-path");
    private string LogPath => _folder.File("access.log");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_FIFO_at_the_path_is_reported_once_never_blocks_the_tailer_and_a_regular_file_there_later_is_read()
    {
        // Given a FIFO (named pipe) where the log should be, with no writer
        MakeFifo(LogPath);
        await using var tailer = TailerHarness.Start(LogPath);

        // Then the tailer keeps turning (an open() of a FIFO would block for ever), and says so once
        await tailer.Settle();
        await tailer.Settle();
        Assert.Equal([ReadError.NotRegularFile], tailer.Sink.ReadErrors);

        // When a regular file replaces it
        File.Delete(LogPath);
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("x", 2);
        }
        Assert.Equal(LogWriter.Expected("x", 2), await tailer.LinesAfter(2));
        Assert.Equal([ReadError.NotRegularFile], tailer.Sink.ReadErrors);
    }

    [Fact]
    public void Reading_a_FIFO_once_fails_at_once_naming_what_it_is()
    {
        MakeFifo(LogPath);
        var thrown = Assert.Throws<NotARegularFileException>(() =>
            Sidecars.Watcher.OnceReader.Read(LogPath, new RecordingSink(), new RecordingSink(), 1000, CancellationToken.None));
        Assert.Contains("FIFO", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_comes_back_to_the_path_goes_on_where_it_ended_instead_of_being_read_again()
    {
        // Given the path is a symlink to file a, read to its end
        string a = _folder.File("a.log"), b = _folder.File("b.log");
        using var writerA = new LogWriter(a);
        writerA.Lines("a", 3);
        File.WriteAllText(b, "b0\nb1\n");
        PointTo(a);
        await using var tailer = TailerHarness.Start(LogPath);
        await tailer.LinesAfter(3);

        // When the link flips to b, a is finished and closed after the quiet period, and then the link flips back
        PointTo(b);
        await tailer.LinesAfter(5);
        await Eventually.Holds(() => tailer.Sink.Saved?.OnlyLog() is { Draining.Count: 0, Retired.Count: 1 }, TailerHarness.Within, "a closed");
        PointTo(a);
        writerA.Lines("later", 1);

        // Then only what a got since is read
        var lines = await tailer.LinesAfter(6);
        Assert.Equal(["a0", "a1", "a2", "b0", "b1", "later0"], lines);
    }

    [Fact]
    public async Task A_file_that_comes_back_after_a_restart_goes_on_where_it_ended()
    {
        string a = _folder.File("a.log"), b = _folder.File("b.log");
        using var writerA = new LogWriter(a);
        writerA.Lines("a", 3);
        File.WriteAllText(b, "b0\n");
        PointTo(a);
        TailCheckpoint saved;
        await using (var first = TailerHarness.Start(LogPath))
        {
            await first.LinesAfter(3);
            PointTo(b);
            await first.LinesAfter(4);
            await Eventually.Holds(() => first.Sink.Saved?.OnlyLog().Retired.Count == 1, TailerHarness.Within, "a closed");
            saved = (await first.StopAsync())!;
        }
        PointTo(a);
        writerA.Lines("later", 2);

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(LogWriter.Expected("later", 2), await second.LinesAfter(2));
    }

    private void PointTo(string target)
    {
        string temporary = LogPath + ".link";
        File.CreateSymbolicLink(temporary, target);
        File.Move(temporary, LogPath, overwrite: true); // rename(2): the link changes at once
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}

/// <summary>What issue 13 found promised but untested in the tailer: long reads checkpoint, stalls show, old compressed files stay out.</summary>
public sealed class TailerPromisesTests : IDisposable
{
    private readonly TempFolder _folder = new("tailer-promises");
    private string LogPath => _folder.File("access.log");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_long_read_reports_a_checkpoint_every_CheckpointEveryBytes_each_matching_the_lines_before_it()
    {
        // Given 2,000 lines of 50 bytes written before the tailer starts, and a checkpoint every 4 KiB of reading
        using (var worker = new LogWriter(LogPath))
        {
            worker.Write(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i:D6} {new string('x', 42)}\n")));
        }
        var settings = TailerHarness.Settings(LogPath, readBufferBytes: 1024) with { CheckpointEveryBytes = 4096 };
        var sink = new CountingSink();
        var tailer = new AccessLogTailer(settings, sink, sink, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<AccessLogTailer>.Instance);
        using var stop = new CancellationTokenSource();
        var run = tailer.RunAsync(null, stop.Token);

        await Eventually.Holds(() => sink.Lines == 2000, TailerHarness.Within, "2,000 lines");
        await stop.CancelAsync();
        await run;

        // Then the read of 100,000 bytes reported about 24 checkpoints, and every one saved exactly the lines before it
        Assert.InRange(sink.Checkpoints.Count, 20, 40);
        Assert.All(sink.Checkpoints, c => Assert.Equal(c.LinesBefore * 50, c.Offset));
    }

    [Fact]
    public async Task A_long_read_publishes_what_it_read_so_far_once_per_read_interval_before_its_turn_ends()
    {
        // Given 2,000 lines of 50 bytes, a checkpoint every 4 KiB, and a fake clock on which each checkpoint takes 300 ms
        using (var worker = new LogWriter(LogPath))
        {
            worker.Write(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i:D6} {new string('x', 42)}\n")));
        }
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var settings = TailerHarness.Settings(LogPath, readBufferBytes: 1024) with { CheckpointEveryBytes = 4096, ReadInterval = TimeSpan.FromSeconds(1) };
        var sink = new CountingSink { OnEachCheckpoint = () => clock.Advance(TimeSpan.FromMilliseconds(300)) };
        int progress = 0, turnsEnded = 0;
        var tailer = new AccessLogTailer(settings, sink, sink, clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AccessLogTailer>.Instance)
        {
            DuringLongRead = () => progress++,
            AfterTurn = _ => turnsEnded++,
        };
        using var stop = new CancellationTokenSource();

        // When the first turn reads all of it (about 24 checkpoints, 7 s on that clock)
        var run = tailer.RunAsync(null, stop.Token);
        await Eventually.Holds(() => Volatile.Read(ref turnsEnded) >= 1, TailerHarness.Within, "the first turn");
        await stop.CancelAsync();
        await run;

        // Then what was read so far was published about every second of it, not only at its end
        Assert.Equal(2000, sink.Lines);
        Assert.InRange(progress, 5, 9);
    }

    [Fact]
    public async Task Liveness_beats_come_from_the_tailers_turns_so_a_stalled_tailer_goes_stale()
    {
        // Given a tailer on a fake clock whose sink stalls on a line, beating a health state on every turn
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var health = new Sidecars.Hosting.HealthState(clock) { StaleAfter = TimeSpan.FromSeconds(30) };
        var sink = new StallingSink();
        int turns = 0;
        var tailer = new AccessLogTailer(TailerHarness.Settings(LogPath), sink, new RecordingSink(), clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AccessLogTailer>.Instance)
        {
            AfterTurn = _ =>
            {
                Interlocked.Increment(ref turns);
                health.Beat();
            },
        };
        using var stop = new CancellationTokenSource();
        var run = tailer.RunAsync(null, stop.Token);
        await Eventually.Holds(() => Volatile.Read(ref turns) > 0, TailerHarness.Within, "a first turn");
        Assert.True(health.IsLive);

        // When a line makes the sink stall and 31 s pass
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("x", 1);
        }
        _ = tailer.Requests.NextTurnAsync(); // a scrape asks: the turn reads the line, and the sink stalls on it
        await Eventually.Holds(() => sink.Stalled, TailerHarness.Within, "the sink stalled");
        clock.Advance(TimeSpan.FromSeconds(31));

        // Then liveness fails; and once the tailer turns again it comes back
        Assert.False(health.IsLive);
        sink.Release();
        clock.Advance(TimeSpan.FromMilliseconds(25));
        await Eventually.Holds(() => health.IsLive, TailerHarness.Within, "live again");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_compressed_sibling_older_than_the_checkpoint_is_neither_read_nor_counted_lost()
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 3);
        }
        // An old rotation, compressed long before: not the watcher's business any more
        using (var gz = new System.IO.Compression.GZipStream(File.Create(LogPath + ".2.gz"), System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write("old0\nold1\n"u8);
        }
        File.SetLastWriteTimeUtc(LogPath + ".2.gz", DateTime.UtcNow.AddDays(-2));
        TailCheckpoint saved;
        await using (var first = TailerHarness.Start(LogPath))
        {
            await first.LinesAfter(3);
            saved = (await first.StopAsync())!;
        }
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("b", 1);
        }

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(["b0"], await second.LinesAfter(1));
        await second.Settle();
        Assert.Equal(["b0"], second.Sink.Lines);
        Assert.Equal(0, second.Sink.FilesLost);
    }

    /// <summary>Counts lines, and remembers for each checkpoint how many lines came before it.</summary>
    private sealed class CountingSink : ILineSink, ITailEvents
    {
        private int _lines;

        public int Lines => Volatile.Read(ref _lines);

        public List<(long LinesBefore, long Offset)> Checkpoints { get; } = [];

        /// <summary>Runs at every checkpoint, on the tailer's thread (moves a fake clock on, say).</summary>
        public Action? OnEachCheckpoint { get; init; }

        public void OnLine(ReadOnlySpan<byte> line) => Interlocked.Increment(ref _lines);

        public void OnCheckpoint(TailCheckpoint checkpoint)
        {
            OnEachCheckpoint?.Invoke();
            if (checkpoint.Logs is [{ Current: { Offset: > 0 } current }])
            {
                lock (Checkpoints)
                {
                    Checkpoints.Add((Lines, current.Offset));
                }
            }
        }

        public void OnLineTooLong(long length) { }

        public void OnRotation(RotationKind kind) { }

        public void OnReadError(ReadError error) { }

        public void OnFileLost() { }

        public void OnLogSkipped(string path) { }
    }
}
