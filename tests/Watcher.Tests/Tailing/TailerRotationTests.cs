using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>Rotation while the tailer runs: every line counted exactly once.</summary>
public sealed class TailerRotationTests : IDisposable
{
    private readonly TempFolder _folder = new("tailer");
    private string LogPath => _folder.File("access.log");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rename_rotation_drains_the_old_file_including_lines_written_to_it_after_the_rename(bool notifications)
    {
        // Given a worker writing to the log, read up to date, on a fake clock (a quiet period of 2 s passes only
        // when the test says so)
        var oldWorker = new LogWriter(LogPath);
        var settings = TailerHarness.Settings(LogPath, notifications: notifications) with { DrainQuietPeriod = TimeSpan.FromSeconds(2) };
        await using var tailer = TailerHarness.StartOnFakeClock(settings);
        oldWorker.Lines("a", 3);
        await tailer.LinesAfter(3);

        // When logrotate renames it and creates a new file, and one worker reopens while another still writes to the old file
        File.Move(LogPath, LogPath + ".1");
        using var newWorker = new LogWriter(LogPath);
        oldWorker.Lines("b", 2);
        newWorker.Lines("c", 2);
        await tailer.LinesAfter(7);
        tailer.Clock!.Advance(TimeSpan.FromSeconds(1.5)); // still within the quiet period
        oldWorker.Write("late").Write(" line\n");
        oldWorker.Dispose();
        newWorker.Lines("d", 1);

        // Then every line is there once, each file's lines in file order, the rotation reported once
        var lines = await tailer.LinesAfter(9);
        Assert.Equal(9, lines.Count);
        Assert.Equal(["a0", "a1", "a2", "b0", "b1", "late line"], lines.Where(l => l[0] is 'a' or 'b' or 'l'));
        Assert.Equal(["c0", "c1", "d0"], lines.Where(l => l[0] is 'c' or 'd'));
        Assert.Equal([RotationKind.Renamed], tailer.Sink.Rotations);

        // And the old file is closed once it has been quiet for the period, not before
        await tailer.Settle();
        Assert.Single(tailer.Sink.Saved!.OnlyLog().Draining);
        tailer.Clock.Advance(TimeSpan.FromSeconds(2));
        await tailer.Settle();
        Assert.Empty(tailer.Sink.Saved!.OnlyLog().Draining);
        Assert.Equal(9, tailer.Sink.LineCount);
    }

    [Fact]
    public async Task Rotated_file_that_keeps_getting_lines_is_drained_past_the_quiet_period()
    {
        var oldWorker = new LogWriter(LogPath);
        var settings = TailerHarness.Settings(LogPath, notifications: false) with { DrainQuietPeriod = TimeSpan.FromMilliseconds(600) };
        await using var tailer = TailerHarness.StartOnFakeClock(settings);
        oldWorker.Lines("a", 2);
        await tailer.Settle();
        await tailer.LinesAfter(2);

        // A slow worker keeps writing to the renamed file for longer than the quiet period (600 ms), pausing 100 ms
        File.Move(LogPath, LogPath + ".1");
        using var newWorker = new LogWriter(LogPath);
        newWorker.Lines("n", 1);
        for (int i = 0; i < 10; i++)
        {
            tailer.Clock!.Advance(TimeSpan.FromMilliseconds(100)); // the poll (25 ms) finds each line
            oldWorker.Write($"slow{i}\n");
            await tailer.Settle();
        }
        oldWorker.Dispose();

        var lines = await tailer.LinesAfter(13);
        Assert.Equal(13, lines.Count);
        Assert.Equal([.. LogWriter.Expected("slow", 10)], lines.Where(l => l.StartsWith("slow", StringComparison.Ordinal)));
        Assert.Equal([RotationKind.Renamed], tailer.Sink.Rotations);
    }

    [Fact]
    public async Task With_the_default_quiet_period_a_line_written_to_the_renamed_file_4_s_later_is_counted_and_the_file_closed_after_5_s()
    {
        // Given the production defaults (poll 250 ms, so the quiet period is 5 s), on a fake clock
        var oldWorker = new LogWriter(LogPath);
        var settings = new TailerSettings(LogPath, StartAtEnd: false, TailerSettings.DefaultMaxLineBytes, TimeSpan.FromMilliseconds(250));
        await using var tailer = TailerHarness.StartOnFakeClock(settings);
        oldWorker.Lines("a", 1);
        await tailer.LinesAfter(1);

        // When it is rotated, and the worker writes one more line to the old file 4 s later
        File.Move(LogPath, LogPath + ".1");
        using (var newWorker = new LogWriter(LogPath))
        {
            newWorker.Lines("n", 1);
        }
        await tailer.LinesAfter(2);
        for (int i = 0; i < 16; i++)
        {
            tailer.Clock!.Advance(TimeSpan.FromMilliseconds(250)); // 4 s of polls
        }
        oldWorker.Write("late\n");
        oldWorker.Dispose();

        // Then the late line is counted, and the old file stays open until it was quiet for 5 s
        Assert.Contains("late", await tailer.LinesAfter(3));
        Assert.Single(tailer.Sink.Saved!.OnlyLog().Draining);
        tailer.Clock!.Advance(TimeSpan.FromSeconds(5));
        await tailer.Settle();
        Assert.Empty(tailer.Sink.Saved!.OnlyLog().Draining);
    }

    [Fact]
    public async Task Copytruncate_counts_the_lines_before_the_truncation_once_and_reads_the_new_ones()
    {
        using var worker = new LogWriter(LogPath);
        await using var tailer = TailerHarness.Start(LogPath);
        worker.Lines("before", 50);
        await tailer.LinesAfter(50);

        // logrotate copytruncate: copy, then truncate in place; nginx keeps its O_APPEND file and writes on
        File.Copy(LogPath, LogPath + ".1");
        using (var truncate = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            truncate.SetLength(0);
        }
        worker.Lines("after", 3);

        var lines = await tailer.LinesAfter(53);
        Assert.Equal([.. LogWriter.Expected("before", 50), .. LogWriter.Expected("after", 3)], lines);
        Assert.Equal([RotationKind.Truncated], tailer.Sink.Rotations);
    }

    [Fact]
    public async Task Copytruncate_before_the_tailer_read_the_last_lines_reads_them_from_the_copy()
    {
        // Given a tailer that reads rarely, without name events, and has read the first lines
        using var worker = new LogWriter(LogPath);
        var settings = TailerHarness.Settings(LogPath, notifications: false) with { ReadInterval = TimeSpan.FromMilliseconds(400) };
        await using var tailer = TailerHarness.Start(settings);
        worker.Lines("before", 50);
        await tailer.LinesAfter(50);

        // When more lines are written, then copied and truncated away before the next read
        worker.Lines("unread", 5);
        File.Copy(LogPath, LogPath + ".1");
        using (var truncate = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            truncate.SetLength(0);
        }
        worker.Lines("after", 3);

        // Then the unread lines come from the copy, nothing twice
        var lines = await tailer.LinesAfter(58);
        string[] expected = [.. LogWriter.Expected("before", 50), .. LogWriter.Expected("unread", 5), .. LogWriter.Expected("after", 3)];
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
        Assert.Equal([RotationKind.Truncated], tailer.Sink.Rotations);
    }

    [Theory]
    [InlineData("different first lines")]
    [InlineData("the same first kilobyte")]
    public async Task Copytruncate_at_a_large_offset_then_more_bytes_than_that_before_the_next_read_loses_and_repeats_nothing(string start)
    {
        // Given a tailer on the fake clock (it reads only when a turn is asked for, as a scrape does) that read
        // 1.2 MB of lines; with the same first kilobyte, the file starts alike before and after, so only the
        // bytes before the offset can tell
        string header = start == "the same first kilobyte" ? string.Concat(Enumerable.Repeat("GET / 200\n", 120)) : "";
        using var worker = new LogWriter(LogPath);
        await using var tailer = TailerHarness.StartOnFakeClock(TailerHarness.Settings(LogPath));
        worker.Write(header).Lines("before", 100_000);
        int headerLines = header.Length / 10;
        await tailer.LinesAfter(headerLines + 100_000);
        long offset = new FileInfo(LogPath).Length;

        // When more lines are written, copied and truncated away, and nginx then writes more than the old offset,
        // all between two reads
        worker.Lines("unread", 5);
        File.Copy(LogPath, LogPath + ".1");
        using (var truncate = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            truncate.SetLength(0);
        }
        worker.Write(header).Lines("after", 150_000);
        Assert.True(new FileInfo(LogPath).Length > offset, "the log grew past the old offset again");

        // Then the next read finds the truncation: the unread lines come from the copy, the new file is read from
        // its start, nothing twice
        var lines = await tailer.LinesAfter(2 * headerLines + 100_000 + 5 + 150_000);
        string[] headerLinesText = [.. Enumerable.Repeat("GET / 200", headerLines)];
        string[] expected =
        [
            .. headerLinesText, .. LogWriter.Expected("before", 100_000), .. LogWriter.Expected("unread", 5),
            .. headerLinesText, .. LogWriter.Expected("after", 150_000),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
        Assert.Equal([RotationKind.Truncated], tailer.Sink.Rotations);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    public async Task A_log_cut_and_written_again_to_its_old_length_is_read_again_however_long_it_was_quiet(int quietMilliseconds)
    {
        // Given a tailer on the fake clock that read every line, then looked again after a quiet time (an idle look
        // skips the reads once the file's length and modification time stayed as a full look found them)
        using var worker = new LogWriter(LogPath);
        await using var tailer = TailerHarness.StartOnFakeClock(TailerHarness.Settings(LogPath));
        worker.Lines("before", 50);
        await tailer.LinesAfter(50);
        long length = new FileInfo(LogPath).Length;
        await Task.Delay(quietMilliseconds);
        await tailer.Turn();
        await tailer.Turn();

        // When it is cut and written again to the very same length between two looks
        using (var truncate = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            truncate.SetLength(0);
        }
        worker.Lines("zefore", 50);
        Assert.Equal(length, new FileInfo(LogPath).Length);

        // Then the next look sees the cut and reads the new lines, nothing twice
        var lines = await tailer.LinesAfter(100);
        Assert.Equal([.. LogWriter.Expected("before", 50), .. LogWriter.Expected("zefore", 50)], lines);
        Assert.Equal([RotationKind.Truncated], tailer.Sink.Rotations);
    }

    [Fact]
    public async Task Copytruncate_again_and_again_beside_a_writer_that_never_stops_counts_every_line_once()
    {
        // Given a writer appending batches of lines on its own thread (about 20,000 lines a second), and a tailer
        // reading on its timer (25 ms) and when asked
        await using var tailer = TailerHarness.Start(LogPath);
        using var gate = new SemaphoreSlim(1, 1);
        using var stop = new CancellationTokenSource();
        int written = 0;
        var writer = Task.Run(async () =>
        {
            using var worker = new LogWriter(LogPath);
            while (!stop.IsCancellationRequested)
            {
                // logrotate's copytruncate loses what is written between its copy and its truncation, whoever
                // reads: the gate keeps the writer out of that window, as nothing else can
                await gate.WaitAsync();
                worker.Lines($"w{written}-", 20);
                written++;
                gate.Release();
                await Task.Delay(1);
            }
        });

        // When the log is copied and truncated ten times, 30 ms apart, each time once the tailer read some of what was
        // written since the last time (a copy of lines no read ever saw, made before the first read of a new file or
        // between two copytruncates within one read interval, cannot be told from any other file: logrotate runs
        // hourly or daily, the watcher reads every second; watcher/README.md says so)
        int firstOfGeneration = 0;
        for (int rotation = 1; rotation <= 10; rotation++)
        {
            await Task.Delay(30);
            int first = firstOfGeneration;
            await Eventually.Holds(async () =>
            {
                await tailer.Turn();
                return tailer.Sink.Lines.TakeLast(100).Any(l => int.Parse(l.AsSpan(1, l.IndexOf('-') - 1), System.Globalization.CultureInfo.InvariantCulture) >= first);
            }, TailerHarness.Within, "a line of this generation read");
            await gate.WaitAsync();
            File.Copy(LogPath, $"{LogPath}.{rotation}");
            using (var truncate = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                truncate.SetLength(0);
            }
            firstOfGeneration = written;
            gate.Release();
            await tailer.Turn();
            Assert.Equal(rotation, tailer.Sink.Rotations.Count);
        }
        await stop.CancelAsync();
        await writer;

        // Then every line written is read exactly once
        var lines = await tailer.LinesAfter(written * 20);
        Assert.Equal(written * 20, lines.Count);
        Assert.Equal(written * 20, lines.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(10, tailer.Sink.Rotations.Count);
        Assert.Equal(Enumerable.Range(0, written).SelectMany(w => LogWriter.Expected($"w{w}-", 20)).Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Deleted_and_recreated_log_drains_the_deleted_file_then_reads_the_new_one_from_its_start()
    {
        var oldWorker = new LogWriter(LogPath);
        await using var tailer = TailerHarness.Start(LogPath);
        oldWorker.Lines("a", 2);
        await tailer.LinesAfter(2);

        File.Delete(LogPath);
        oldWorker.Lines("b", 1); // written to the deleted file that is still open
        await tailer.LinesAfter(3);
        using (var newWorker = new LogWriter(LogPath))
        {
            newWorker.Lines("c", 2);
        }
        oldWorker.Dispose();

        var lines = await tailer.LinesAfter(5);
        Assert.Equal(["a0", "a1", "b0", "c0", "c1"], lines);
        Assert.Equal([RotationKind.Recreated], tailer.Sink.Rotations);
    }

    [Fact]
    public async Task Log_missing_at_start_is_read_from_its_start_once_it_appears_even_with_StartAtEnd()
    {
        await using var tailer = TailerHarness.Start(LogPath, startAtEnd: true);
        await tailer.Settle();
        Assert.Null(tailer.Sink.Saved?.OnlyLog().Current);

        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("x", 3);
        }

        Assert.Equal(LogWriter.Expected("x", 3), await tailer.LinesAfter(3));
        Assert.Empty(tailer.Sink.Rotations);
    }

    [Fact]
    public async Task Log_in_a_folder_that_does_not_exist_yet_is_found_once_created()
    {
        string path = Path.Combine(_folder.Path, "later", "access.log");
        await using var tailer = TailerHarness.Start(path);
        await tailer.Settle();

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var worker = new LogWriter(path))
        {
            worker.Lines("x", 2);
        }

        Assert.Equal(LogWriter.Expected("x", 2), await tailer.LinesAfter(2));
    }
}
