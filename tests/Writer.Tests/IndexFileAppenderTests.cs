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

    // The other container of the pod can write the shared folder, so it can plant links there. Before the fix the
    // writer appended to the link's target (any file the writer may write).
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void A_symlink_in_place_of_the_file_is_not_followed_fails_as_symlink_and_writing_resumes_once_it_is_gone(int maxLines)
    {
        string victim = _folder.File("victim.txt");
        File.WriteAllText(victim, "not the writer's\n");
        string path = _folder.File("index.html");
        File.CreateSymbolicLink(path, victim);
        var appender = new IndexFileAppender(path, maxLines);

        var failure = Record.Exception(() => appender.Append(Line(1)));

        Assert.Equal("not the writer's\n", File.ReadAllText(victim));
        Assert.NotNull(failure);
        Assert.Equal(WriteFailure.Symlink, WriteFailure.Classify(failure));
        Assert.Contains("symbolic link", failure.Message, StringComparison.Ordinal);
        File.Delete(path);
        appender.Append(Line(2));
        Assert.Equal(["line 00002"], LinesOf(path));
        Assert.Equal("not the writer's\n", File.ReadAllText(victim));
    }

    [Fact]
    public void A_dangling_symlink_in_place_of_the_file_does_not_create_its_target()
    {
        string target = _folder.File("created-through-the-link");
        string path = _folder.File("index.html");
        File.CreateSymbolicLink(path, target);
        var appender = new IndexFileAppender(path, maxLines: 0);

        var failure = Record.Exception(() => appender.Append(Line(1)));

        Assert.NotNull(failure);
        Assert.Equal(WriteFailure.Symlink, WriteFailure.Classify(failure));
        Assert.False(File.Exists(target));
    }

    // Before the fix the trim opened this fixed name with O_CREAT|O_TRUNC through the link: the victim was cut to
    // the kept lines, and the rename then put the link itself in index.html's place.
    [Fact]
    public void A_symlink_planted_at_the_old_temporary_name_is_not_followed_when_the_file_is_trimmed()
    {
        string victim = _folder.File("victim.txt");
        File.WriteAllText(victim, "not the writer's\n");
        string path = _folder.File("index.html");
        string planted = _folder.File(".index.html.writer-tmp");
        File.CreateSymbolicLink(planted, victim);
        var appender = new IndexFileAppender(path, maxLines: 3);

        var writes = Enumerable.Range(1, 10).Select(n => appender.Append(Line(n))).ToList();

        Assert.Contains(writes, w => w.Trimmed);
        Assert.Equal("not the writer's\n", File.ReadAllText(victim));
        Assert.Equal(["line 00008", "line 00009", "line 00010"], LinesOf(path));
        Assert.Null(new FileInfo(path).LinkTarget);
    }

    [Fact]
    public void A_symlink_at_the_temporary_name_the_writer_picks_is_left_alone_and_another_name_is_taken()
    {
        // Given a link planted at the very name the writer's next trim picks (here told in advance)
        string victim = _folder.File("victim.txt");
        File.WriteAllText(victim, "not the writer's\n");
        string path = _folder.File("index.html");
        var suffixes = new Queue<string>(["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]);
        string planted = _folder.File(".index.html.writer-tmp-0123456789abcdef0123456789abcdef");
        File.CreateSymbolicLink(planted, victim);
        var appender = new IndexFileAppender(path, maxLines: 3, temporarySuffix: suffixes.Dequeue);

        // When the file is trimmed
        var writes = Enumerable.Range(1, 4).Select(n => appender.Append(Line(n))).ToList();

        // Then the trim used the next name, and neither the victim nor the planted link was touched
        Assert.True(writes[^1].Trimmed);
        Assert.Empty(suffixes);
        Assert.Equal("not the writer's\n", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(planted).LinkTarget);
        Assert.Equal(["line 00002", "line 00003", "line 00004"], LinesOf(path));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal([planted], Directory.GetFiles(_folder.Path, ".*"));
    }

    [Fact]
    public void Temporary_files_of_the_writers_naming_older_than_a_minute_are_removed_links_without_their_targets()
    {
        // Given what a writer killed mid-trim leaves, a fresh one (another writer's, mid-trim), a link of our naming
        // and files of other names
        string victim = _folder.File("victim.txt");
        File.WriteAllText(victim, "not the writer's\n");
        string stale = _folder.File(".index.html.writer-tmp-00000000000000000000000000000001");
        string fresh = _folder.File(".index.html.writer-tmp-00000000000000000000000000000002");
        string link = _folder.File(".index.html.writer-tmp-00000000000000000000000000000003");
        string oldName = _folder.File(".index.html.writer-tmp");
        string otherName = _folder.File(".index.html.writer-tmp-notours");
        foreach (string file in new[] { stale, fresh, oldName, otherName })
        {
            File.WriteAllText(file, "x\n");
        }
        File.CreateSymbolicLink(link, victim);
        foreach (string file in new[] { stale, oldName, otherName })
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-5));
        }
        // The link's own time, not its target's (-h).
        using (var touch = System.Diagnostics.Process.Start("touch", ["-h", "-d", "5 minutes ago", link]))
        {
            touch.WaitForExit();
        }

        // When the writer appends its first line
        new IndexFileAppender(_folder.File("index.html"), maxLines: 0).Append(Line(1));

        // Then only the stale file and the link of its own naming are gone
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget is not null);
        Assert.True(File.Exists(fresh) && File.Exists(oldName) && File.Exists(otherName));
        Assert.Equal("not the writer's\n", File.ReadAllText(victim));
    }

    [Fact]
    public async Task A_fifo_in_place_of_the_file_fails_the_write_instead_of_blocking_the_writer()
    {
        string path = _folder.File("index.html");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", path))
        {
            await mkfifo.WaitForExitAsync();
        }
        var appender = new IndexFileAppender(path, maxLines: 0);

        var failure = await Record.ExceptionAsync(() => Task.Run(() => appender.Append(Line(1))).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.IsAssignableFrom<IOException>(failure);
        Assert.Equal(WriteFailure.Io, WriteFailure.Classify(failure));
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
