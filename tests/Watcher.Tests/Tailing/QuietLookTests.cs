using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// The idle look (<see cref="TailedFile.LookQuietly"/>): a file read to its end whose length and modification time
/// stayed as a full look found them needs no read; any write or cut since, and a path that names another file, does.
/// </summary>
public sealed class QuietLookTests : IDisposable
{
    private readonly TempFolder _folder = new("quiet-look");
    private readonly byte[] _buffer = new byte[1 << 16];
    private string LogPath => _folder.File("access.log");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_file_read_to_its_end_and_quiet_since_a_full_look_is_looked_at_without_reading()
    {
        using var file = ReadToEnd("GET / 200\n");
        Assert.False(file.LookQuietly(Status(file), AtPath()));  // no full look yet

        file.Settle(Status(file));
        Assert.True(file.LookQuietly(Status(file), AtPath()));
        Assert.True(file.Settled);
    }

    [Fact]
    public void A_write_since_the_full_look_ends_the_quiet()
    {
        using var file = ReadToEnd("GET / 200\n");
        file.Settle(Status(file));
        File.AppendAllText(LogPath, "GET /a 200\n");

        Assert.False(file.LookQuietly(Status(file), AtPath()));
        Assert.False(file.Settled);
    }

    [Fact]
    public void A_cut_and_a_write_back_to_the_same_length_ends_the_quiet()
    {
        using var file = ReadToEnd("GET / 200\n");
        file.Settle(Status(file));
        Thread.Sleep(20); // a later modification time than the first write, whatever the file system's grain
        File.WriteAllText(LogPath, "GET / 404\n");

        Assert.Equal(10, new FileInfo(LogPath).Length);
        Assert.False(file.LookQuietly(Status(file), AtPath()));
    }

    [Fact]
    public void A_path_that_names_another_file_ends_the_quiet()
    {
        using var file = ReadToEnd("GET / 200\n");
        file.Settle(Status(file));
        File.Move(LogPath, LogPath + ".1");
        File.WriteAllText(LogPath, "");

        Assert.False(file.LookQuietly(Status(file), AtPath()));
        Assert.False(file.LookQuietly(Status(file), atPath: null));
    }

    [Fact]
    public void A_file_written_within_the_grain_of_modification_times_is_never_quiet()
    {
        // Written just now: a cut and a write in the same clock tick could keep length and time, so every look reads.
        using var file = ReadToEnd("GET / 200\n", settle: false);
        file.Settle(Status(file));

        Assert.False(file.LookQuietly(Status(file), AtPath()));
    }

    private TailedFile ReadToEnd(string text, bool settle = true)
    {
        File.WriteAllText(LogPath, text);
        if (settle)
        {
            // Older than the grain, as a log is a second after its last line.
            File.SetLastWriteTimeUtc(LogPath, DateTime.UtcNow - TimeSpan.FromSeconds(5));
        }
        var file = TailedFile.Open(LogPath, 65536, new byte[FileFingerprint.MaxLength]);
        var sink = new RecordingSink();
        while (file.ReadChunk(_buffer, sink) > 0)
        {
        }
        Assert.Equal(Encoding.Latin1.GetByteCount(text), file.ReadOffset);
        return file;
    }

    private static FileStatus Status(TailedFile file) => FileStatus.OfHandle(file.Handle);

    private FileStatus? AtPath() => FileStatus.OfPath(LogPath);
}
