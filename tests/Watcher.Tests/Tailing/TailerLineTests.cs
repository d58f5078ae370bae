using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>How the tailer cuts a live file into lines: real files in a temp folder, exact counts.</summary>
public sealed class TailerLineTests : IDisposable
{
    private readonly TempFolder _folder = new("tailer");
    private string LogPath => _folder.File("access.log");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Partial_line_at_the_end_waits_for_the_rest()
    {
        using var log = new LogWriter(LogPath);
        await using var tailer = TailerHarness.Start(LogPath);

        log.Write("first\nsec");
        Assert.Equal(["first"], await tailer.LinesAfter(1));

        log.Write("ond\n");
        Assert.Equal(["first", "second"], await tailer.LinesAfter(2));
    }

    [Fact]
    public async Task Line_written_in_many_small_pieces_is_counted_once()
    {
        using var log = new LogWriter(LogPath);
        await using var tailer = TailerHarness.Start(LogPath);

        const string line = "GET /index.html HTTP/1.1 200";
        foreach (char c in line)
        {
            log.Write(c.ToString());
            if (c == ' ')
            {
                await tailer.Settle(); // let the tailer see the unfinished line
            }
        }
        log.Write("\n");

        Assert.Equal([line], await tailer.LinesAfter(1));
    }

    [Fact]
    public async Task Lines_are_never_split_or_joined_at_read_buffer_boundaries()
    {
        // Given lines of many lengths, read with the smallest buffer (1 KiB)
        var random = new Random(7);
        string[] expected = [.. Enumerable.Range(0, 3000).Select(i => $"{i}:" + new string((char)('a' + (i % 26)), random.Next(0, 900)))];
        await using var tailer = TailerHarness.Start(LogPath, readBufferBytes: 1024);
        using var log = new LogWriter(LogPath);

        // When they are written in chunks that ignore line ends
        byte[] all = Encoding.Latin1.GetBytes(string.Join("\n", expected) + "\n");
        for (int at = 0; at < all.Length; at += 7777)
        {
            log.Write(all[at..Math.Min(all.Length, at + 7777)]);
        }

        // Then
        Assert.Equal(expected, await tailer.LinesAfter(expected.Length));
        TailCheckpoint saved = (await tailer.StopAsync())!;
        Assert.Equal(all.Length, saved.OnlyLog().Current!.Value.Offset);
        Assert.Equal(all.Length, tailer.Sink.Checkpoints.Sum(c => c.BytesRead));
        Assert.Equal(0, saved.LagBytes);
    }

    [Fact]
    public async Task Too_long_lines_are_skipped_and_reported_with_their_length()
    {
        using var log = new LogWriter(LogPath);
        await using var tailer = TailerHarness.Start(LogPath, maxLineBytes: 100);

        log.Write("short\n" + new string('x', 60));
        await tailer.Settle();
        log.Write(new string('x', 940)).Write("\nafter\n").Write(new string('y', 101) + "\n" + new string('z', 100) + "\n");

        Assert.Equal(["short", "after", new string('z', 100)], await tailer.LinesAfter(3));
        Assert.Equal([1000L, 101L], tailer.Sink.TooLong);
    }

    [Fact]
    public async Task Invalid_utf8_nul_bytes_and_crlf_pass_through_as_bytes()
    {
        byte[] odd = [0xff, 0xfe, 0x00, (byte)'a', 0xc3, 0x28, 0x00];
        using var log = new LogWriter(LogPath);
        await using var tailer = TailerHarness.Start(LogPath);

        log.Write([.. odd, (byte)'\n']).Write("windows\r\n").Write("\0\r\n");

        await tailer.LinesAfter(3);
        Assert.Equal([odd, "windows"u8.ToArray(), [0]], tailer.Sink.LineBytes);
    }

    [Fact]
    public async Task StartAtEnd_skips_existing_lines_but_reads_what_comes_after()
    {
        using var log = new LogWriter(LogPath);
        log.Lines("old", 5).Write("unfini");
        await using var tailer = TailerHarness.Start(LogPath, startAtEnd: true);
        await tailer.Settle();

        log.Write("shed\n").Lines("new", 2);

        // The line being written when the tailer started is counted once it completes: never torn.
        Assert.Equal(["unfinished", "new0", "new1"], await tailer.LinesAfter(3));
    }

    [Fact]
    public async Task Without_StartAtEnd_existing_lines_are_read_from_the_start()
    {
        using var log = new LogWriter(LogPath);
        log.Lines("old", 4);
        await using var tailer = TailerHarness.Start(LogPath);

        Assert.Equal(LogWriter.Expected("old", 4), await tailer.LinesAfter(4));
    }

    [Fact]
    public async Task Polling_alone_without_notifications_is_exact()
    {
        using var log = new LogWriter(LogPath);
        await using var tailer = TailerHarness.Start(LogPath, notifications: false);

        for (int i = 0; i < 20; i++)
        {
            log.Write($"line{i}\npart");
            log.Write($"ial{i}\n");
        }

        string[] expected = [.. Enumerable.Range(0, 20).SelectMany(i => new[] { $"line{i}", $"partial{i}" })];
        Assert.Equal(expected, await tailer.LinesAfter(40));
    }

    [Fact]
    public async Task Writes_never_wake_the_tailer_a_scrape_reads_them_and_a_rotation_wakes_it_long_before_the_next_read()
    {
        // Given a tailer that reads every 30 s, past its first turn
        using var log = new LogWriter(LogPath);
        var settings = TailerHarness.Settings(LogPath) with { ReadInterval = TimeSpan.FromSeconds(30) };
        await using var tailer = TailerHarness.Start(settings);
        await Eventually.Holds(() => !tailer.Turns.IsEmpty, TailerHarness.Within, "first turn");

        // When nginx writes 50 lines, one write each
        for (int i = 0; i < 50; i++)
        {
            log.Write($"line{i}\n");
        }
        await Task.Delay(300);

        // Then nothing woke the tailer: one turn, no line read
        Assert.Single(tailer.Turns);
        Assert.Equal(0, tailer.Sink.LineCount);

        // And a scrape's turn reads all of them
        await tailer.Turn();
        Assert.Equal(LogWriter.Expected("line", 50), tailer.Sink.Lines);
        Assert.Equal(ReadTrigger.Scrape, tailer.Turns.Last());

        // When the log is rotated (renamed) and written to
        log.Write("late\n");
        var started = System.Diagnostics.Stopwatch.StartNew();
        File.Move(LogPath, LogPath + ".1");

        // Then the rename wakes a turn at once, which drains the renamed file
        await Eventually.Holds(() => tailer.Sink.LineCount == 51, TimeSpan.FromSeconds(5), "the line written before the rename");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        Assert.Contains(ReadTrigger.Names, tailer.Turns);
    }
}
