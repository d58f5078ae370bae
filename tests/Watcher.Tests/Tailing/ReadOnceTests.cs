using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

public sealed class ReadOnceTests : IDisposable
{
    private readonly TempFolder _folder = new("tailer");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ReadOnce_delivers_every_complete_line_and_reports_an_unterminated_last_line()
    {
        string path = _folder.File("access.log");
        string text = string.Concat(Enumerable.Range(0, 50_000).Select(i => $"line {i}\r\n")) + new string('x', 300) + "\ntail";
        File.WriteAllText(path, text, Encoding.ASCII);
        var sink = new RecordingSink();

        OnceResult result = OnceReader.Read(path, sink, sink, maxLineBytes: 200, CancellationToken.None);

        Assert.Equal(50_000, sink.LineCount);
        Assert.Equal("line 49999", sink.Lines[^1]);
        Assert.Equal([300L], sink.TooLong);
        Assert.Equal(new OnceResult(text.Length, 4), result);
        Assert.Equal(text.Length - 4, Assert.Single(sink.Checkpoints).OnlyLog().Current!.Value.Offset);
    }

    [Fact]
    public void ReadOnce_of_a_missing_file_throws_FileNotFoundException() =>
        Assert.Throws<FileNotFoundException>(() => OnceReader.Read(_folder.File("none"), new RecordingSink(), new RecordingSink(), 100, CancellationToken.None));
}
