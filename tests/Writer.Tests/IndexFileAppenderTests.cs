using System.Text;
using Sidecars.Testing;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

public sealed class IndexFileAppenderTests : IDisposable
{
    private readonly TempFolder _folder = new("writer-file");

    public void Dispose() => _folder.Dispose();

    private static byte[] Line(int n) => Encoding.ASCII.GetBytes($"line {n:00000}\n");

    private static string[] LinesOf(string path) => File.ReadAllText(path).Split('\n')[..^1];

    [Fact]
    public void Missing_file_is_created_and_every_line_is_appended_whole()
    {
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 0);

        var first = appender.Append(Line(1));
        var second = appender.Append(Line(2));

        Assert.Equal(["line 00001", "line 00002"], LinesOf(path));
        Assert.Equal(11, first.SizeBytes);
        Assert.Equal(22, second.SizeBytes);
        Assert.False(second.Trimmed);
    }

    [Fact]
    public void Appending_keeps_what_was_already_in_the_file()
    {
        string path = _folder.File("index.html");
        File.WriteAllText(path, "<h1>hello</h1>\n");
        var appender = new IndexFileAppender(path, maxLines: 0);

        appender.Append(Line(1));

        Assert.Equal("<h1>hello</h1>\nline 00001\n", File.ReadAllText(path));
    }

    [Fact]
    public void Trimming_keeps_exactly_the_newest_lines()
    {
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 3);

        var writes = Enumerable.Range(1, 10).Select(n => appender.Append(Line(n))).ToList();

        Assert.Equal(["line 00008", "line 00009", "line 00010"], LinesOf(path));
        Assert.Equal(7, writes.Count(w => w.Trimmed));
        Assert.Equal(new FileInfo(path).Length, writes[^1].SizeBytes);
        Assert.Empty(Directory.GetFiles(_folder.Path, ".*"));
    }

    [Fact]
    public void A_file_longer_than_max_lines_at_start_is_cut_on_the_first_write()
    {
        string path = _folder.File("index.html");
        File.WriteAllLines(path, Enumerable.Range(1, 100).Select(n => $"old {n}"));
        var appender = new IndexFileAppender(path, maxLines: 5);

        var write = appender.Append(Line(1));

        Assert.True(write.Trimmed);
        Assert.Equal(["old 97", "old 98", "old 99", "old 100", "line 00001"], LinesOf(path));
    }

    [Fact]
    public void Deleted_file_is_created_again_and_its_lines_counted_afresh()
    {
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 5);
        for (int n = 1; n <= 5; n++)
        {
            appender.Append(Line(n));
        }

        File.Delete(path);
        var write = appender.Append(Line(6));

        Assert.False(write.Trimmed);
        Assert.Equal(["line 00006"], LinesOf(path));
        for (int n = 7; n <= 11; n++)
        {
            appender.Append(Line(n));
        }
        Assert.Equal(["line 00007", "line 00008", "line 00009", "line 00010", "line 00011"], LinesOf(path));
    }

    [Fact]
    public void Replaced_file_is_appended_to_and_recounted()
    {
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 4);
        appender.Append(Line(1));

        // Someone renames another file over ours (the way editors and kubectl cp replace files).
        string other = _folder.File("other.html");
        File.WriteAllLines(other, ["a", "b", "c", "d", "e", "f"]);
        File.Move(other, path, overwrite: true);
        appender.Append(Line(2));

        Assert.Equal(["d", "e", "f", "line 00002"], LinesOf(path));
    }

    [Fact]
    public void Removed_folder_fails_as_not_found_and_writing_resumes_once_it_is_back()
    {
        string folder = Path.Combine(_folder.Path, "html");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "index.html");
        var appender = new IndexFileAppender(path, maxLines: 0);
        appender.Append(Line(1));

        Directory.Delete(folder, recursive: true);
        var failure = Record.Exception(() => appender.Append(Line(2)));

        Assert.NotNull(failure);
        Assert.Equal(WriteFailure.NotFound, WriteFailure.Classify(failure));
        Directory.CreateDirectory(folder);
        appender.Append(Line(3));
        Assert.Equal(["line 00003"], LinesOf(path));
    }

    [Fact]
    public void Trimming_waits_for_a_tenth_more_lines_then_cuts_back_to_max_lines()
    {
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 10);

        var writes = Enumerable.Range(1, 12).Select(n => appender.Append(Line(n))).ToList();

        // 11 lines are allowed (10 plus a tenth); the 12th append cuts the file back to the newest 10.
        Assert.Equal(11 * 11, writes[10].SizeBytes);
        Assert.False(writes[10].Trimmed);
        Assert.True(writes[11].Trimmed);
        Assert.Equal(Enumerable.Range(3, 10).Select(n => $"line {n:00000}"), LinesOf(path));
        Assert.Equal(11, IndexFileAppender.MostLines(10));
        Assert.Equal(95_040, IndexFileAppender.MostLines(86_400));
        Assert.Equal(9, IndexFileAppender.MostLines(9));
    }

    [Fact]
    public void Once_full_the_file_is_rewritten_once_per_tenth_of_max_lines_so_bytes_per_line_stay_constant()
    {
        // Given 1,000 lines kept and 20,000 appends of 11 bytes
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 1000);
        var writes = new List<IndexFileWrite>();
        for (int n = 1; n <= 20_000; n++)
        {
            writes.Add(appender.Append(Line(n)));
        }

        // Then the first trim comes with the 1,101st line and one more every 101 lines (not on every line)
        Assert.Equal(188, writes.Count(w => w.Trimmed));
        Assert.True(writes[1100].Trimmed);
        Assert.False(writes[1200].Trimmed);
        Assert.True(writes[1201].Trimmed);
        // And each trim leaves exactly 1,000 lines, and the file never holds more than 1,100
        Assert.All(writes.Where(w => w.Trimmed), w => Assert.Equal(1000 * 11, w.SizeBytes));
        Assert.Equal(1100 * 11, writes.Max(w => w.SizeBytes));
        // And what reaches the disk once full is about 11 lines per line appended (a trim rewrites 1,000 lines
        // once per 101 appends), not the whole file on every line (1,000 lines per line)
        Assert.Equal((20_000 - 188) * 11 + 188 * 1000 * 11, writes.Sum(w => w.BytesWritten));
        Assert.True(writes.Skip(1100).Average(w => w.BytesWritten) < 12 * 11, "more than 12 lines' worth written per line");
        Assert.Equal(new FileInfo(path).Length, writes[^1].SizeBytes);
    }

    [Fact]
    public void Folder_in_place_of_the_file_fails_as_is_directory_and_writing_resumes_once_it_is_gone()
    {
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 0);
        appender.Append(Line(1));

        File.Delete(path);
        Directory.CreateDirectory(path);
        var failure = Record.Exception(() => appender.Append(Line(2)));

        Assert.NotNull(failure);
        Assert.Equal(WriteFailure.IsDirectory, WriteFailure.Classify(failure));
        Assert.Contains("is a folder", failure.Message, StringComparison.Ordinal);
        Directory.Delete(path);
        appender.Append(Line(3));
        Assert.Equal(["line 00003"], LinesOf(path));
    }

    [Fact]
    public async Task Concurrent_reader_never_sees_an_empty_or_partial_file_while_it_is_trimmed()
    {
        string path = _folder.File("index.html");
        var appender = new IndexFileAppender(path, maxLines: 20);
        appender.Append(Line(0));
        using var done = new CancellationTokenSource();
        var problems = new List<string>();
        int reads = 0;

        var reader = Task.Factory.StartNew(() =>
        {
            while (!done.IsCancellationRequested)
            {
                string text = File.ReadAllText(path);
                Interlocked.Increment(ref reads);
                string? problem = text.Length == 0 ? "empty"
                    : !text.EndsWith('\n') ? "ends in half a line"
                    : text.Split('\n')[..^1] is var lines && lines.Length > 22 ? $"{lines.Length} lines"
                    : lines.Any(l => l.Length != 10 || !l.StartsWith("line ", StringComparison.Ordinal)) ? "a torn line"
                    : !Consecutive(lines) ? "lines out of order" : null;
                if (problem is not null)
                {
                    lock (problems)
                    {
                        problems.Add(problem + ": " + text.Replace("\n", "|", StringComparison.Ordinal));
                    }
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // At least 600 trims, and on for as long as the reader needs to read often (a busy machine starts it late).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        int n = 0;
        while (n < 600 || (Volatile.Read(ref reads) < 200 && DateTime.UtcNow < deadline))
        {
            appender.Append(Line(++n));
        }
        done.Cancel();
        await reader.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(problems);
        Assert.True(reads >= 200, $"the reader read only {reads} times");
        var last = LinesOf(path);
        Assert.InRange(last.Length, 20, 22);
        Assert.Equal(Enumerable.Range(n - last.Length + 1, last.Length).Select(n => $"line {n:00000}"), last);
    }

    [Theory]
    [InlineData("a\nb\nc\n", 2, 2)]
    [InlineData("a\nb\nc\n", 3, 0)]
    [InlineData("a\nb\nc\n", 9, 0)]
    [InlineData("a\nb\nc", 1, 4)]
    [InlineData("a\nb\nc\n", 0, 6)]
    [InlineData("", 2, 0)]
    public void Start_of_the_last_lines_is_found_from_the_end(string content, int count, int start)
    {
        Assert.Equal(start, IndexFileAppender.StartOfLastLines(Encoding.ASCII.GetBytes(content), count));
    }

    private static bool Consecutive(string[] lines)
    {
        for (int i = 1; i < lines.Length; i++)
        {
            if (int.Parse(lines[i].AsSpan(5), System.Globalization.CultureInfo.InvariantCulture)
                != int.Parse(lines[i - 1].AsSpan(5), System.Globalization.CultureInfo.InvariantCulture) + 1)
            {
                return false;
            }
        }
        return true;
    }
}
