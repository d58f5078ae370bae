using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>A restart from the sink's last saved checkpoint: nothing lost, nothing repeated.</summary>
public sealed class TailerRestartTests : IDisposable
{
    private readonly TempFolder _folder = new("tailer");
    private string LogPath => _folder.File("access.log");

    public void Dispose() => _folder.Dispose();

    /// <summary>Runs a first tailer until it read <paramref name="lines"/> lines, stops it, returns what it saved.</summary>
    private async Task<TailCheckpoint> FirstRun(int lines)
    {
        await using var first = TailerHarness.Start(LogPath);
        await first.LinesAfter(lines);
        Assert.Equal(lines, first.Sink.LineCount);
        return (await first.StopAsync())!;
    }

    [Fact]
    public async Task Restart_continues_at_the_saved_offset_including_a_line_unfinished_at_the_stop()
    {
        using var worker = new LogWriter(LogPath);
        worker.Lines("a", 3).Write("half");
        TailCheckpoint saved = await FirstRun(3);
        Assert.Equal(Encoding.ASCII.GetByteCount("a0\na1\na2\n"), saved.OnlyLog().Current!.Value.Offset);

        worker.Write(" done\n").Lines("b", 2); // while stopped

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(["half done", "b0", "b1"], await second.LinesAfter(3));
        worker.Lines("c", 1);
        Assert.Equal(["half done", "b0", "b1", "c0"], await second.LinesAfter(4));
        Assert.Empty(second.Sink.Rotations);
    }

    [Fact]
    public async Task Restart_after_a_rename_rotation_while_stopped_finishes_the_old_file_then_reads_the_new_one()
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 3);
        }
        TailCheckpoint saved = await FirstRun(3);

        // While stopped: two more lines, rotation, two lines in the new file
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("b", 2);
        }
        File.Move(LogPath, LogPath + ".1");
        File.WriteAllText(LogPath + "-20261126.gz", "not a log\n");
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("c", 2);
        }

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(["b0", "b1", "c0", "c1"], await second.LinesAfter(4));
        Assert.Equal([RotationKind.Renamed], second.Sink.Rotations);
    }

    [Fact]
    public async Task Restart_while_a_rotated_file_was_still_draining_resumes_both_files()
    {
        var oldWorker = new LogWriter(LogPath);
        oldWorker.Lines("a", 2);
        var settings = TailerHarness.Settings(LogPath) with { DrainQuietPeriod = TimeSpan.FromMinutes(5) };
        var first = TailerHarness.Start(settings);
        await first.LinesAfter(2);
        File.Move(LogPath, LogPath + ".1");
        using var newWorker = new LogWriter(LogPath);
        newWorker.Lines("n", 1);
        oldWorker.Lines("o", 1);
        await first.LinesAfter(4);
        TailCheckpoint saved = (await first.StopAsync())!;
        await first.DisposeAsync();
        Assert.Single(saved.OnlyLog().Draining);

        oldWorker.Lines("p", 1); // both files get lines while stopped
        oldWorker.Dispose();
        newWorker.Lines("m", 1);

        await using var second = TailerHarness.Start(settings, saved);
        Assert.Equal(["m0", "p0"], (await second.LinesAfter(2)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(2)]   // shorter than the saved offset
    [InlineData(40)]  // longer: only the fingerprint of the first bytes tells
    public async Task Restart_after_a_truncation_while_stopped_reads_the_file_from_its_start(int newLines)
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 10);
        }
        TailCheckpoint saved = await FirstRun(10);

        File.WriteAllText(LogPath, string.Concat(LogWriter.Expected("z", newLines).Select(l => l + "\n")));

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(LogWriter.Expected("z", newLines), await second.LinesAfter(newLines));
        Assert.Equal([RotationKind.Truncated], second.Sink.Rotations);
    }

    [Fact]
    public async Task Restart_when_the_checkpointed_file_is_gone_reads_the_new_file_from_its_start()
    {
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("a", 3);
        }
        TailCheckpoint saved = await FirstRun(3);

        File.Delete(LogPath);
        File.WriteAllText(_folder.File("placeholder"), "keeps the inode from being reused\n");
        using (var worker = new LogWriter(LogPath))
        {
            worker.Lines("n", 2);
        }

        await using var second = TailerHarness.Start(LogPath, resume: saved);
        Assert.Equal(LogWriter.Expected("n", 2), await second.LinesAfter(2));
        // The contract: the new file is read from its start, one rotation. Where the file system records no birth
        // time and the new file got the deleted one's inode number, that rotation is told as a truncation.
        var rotation = Assert.Single(second.Sink.Rotations);
        Assert.Contains(rotation, new[] { RotationKind.Recreated, RotationKind.Truncated });
    }

    [Fact]
    public async Task Restart_with_StartAtEnd_still_resumes_from_the_checkpoint()
    {
        using var worker = new LogWriter(LogPath);
        worker.Lines("a", 2);
        TailCheckpoint saved = await FirstRun(2);
        worker.Lines("b", 2);

        await using var second = TailerHarness.Start(LogPath, resume: saved, startAtEnd: true);
        Assert.Equal(LogWriter.Expected("b", 2), await second.LinesAfter(2));
    }

    [Fact]
    public async Task Checkpoint_names_the_file_by_device_inode_and_fingerprint_of_its_first_bytes()
    {
        using var worker = new LogWriter(LogPath);
        worker.Write("tiny\n");
        await using var tailer = TailerHarness.Start(LogPath);
        await tailer.LinesAfter(1);
        await tailer.Settle();
        FileIdentity small = tailer.Sink.Saved!.OnlyLog().Current!.Value.Identity;
        Assert.Equal(5, small.FingerprintLength);

        worker.Lines("more", 300);
        await tailer.LinesAfter(301);
        await tailer.Settle();
        FileIdentity grown = tailer.Sink.Saved!.OnlyLog().Current!.Value.Identity;

        Assert.Equal(small.Id, grown.Id);
        Assert.NotEqual(0UL, grown.Id.Inode);
        Assert.Equal(1024, grown.FingerprintLength);
        byte[] head = File.ReadAllBytes(LogPath)[..1024];
        Assert.Equal(FileFingerprint.Of(head), grown.Fingerprint);
    }
}
