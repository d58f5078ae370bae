using System.Text;
using CsCheck;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

public sealed class LineSplitterTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    private static RecordingSink Split(int max, params string[] chunks)
    {
        var sink = new RecordingSink();
        var splitter = new LineSplitter(max);
        foreach (string chunk in chunks)
        {
            splitter.Push(B(chunk), sink);
        }
        return sink;
    }

    [Fact]
    public void Complete_lines_in_one_chunk_are_delivered_without_their_newlines()
    {
        var sink = Split(100, "a\nbb\n\nccc\n");
        Assert.Equal(["a", "bb", "", "ccc"], sink.Lines);
    }

    [Fact]
    public void Unfinished_line_waits_for_its_newline_and_counts_as_pending()
    {
        var sink = new RecordingSink();
        var splitter = new LineSplitter(100);
        splitter.Push(B("one\ntw"), sink);
        Assert.Equal(["one"], sink.Lines);
        Assert.Equal(2, splitter.PendingBytes);
        splitter.Push(B("o"), sink);
        splitter.Push(B("\nthree"), sink);
        Assert.Equal(["one", "two"], sink.Lines);
        Assert.Equal(5, splitter.PendingBytes);
    }

    [Fact]
    public void One_carriage_return_before_the_newline_is_removed()
    {
        var sink = Split(100, "a\r\nb\r\r\n\r\n", "c\r", "\n");
        Assert.Equal(["a", "b\r", "", "c"], sink.Lines);
    }

    [Fact]
    public void Nul_and_invalid_utf8_bytes_pass_through_unchanged()
    {
        byte[] content = [0x00, 0xff, 0xc3, 0x28, (byte)'x', 0x00, (byte)'\n'];
        var sink = new RecordingSink();
        new LineSplitter(100).Push(content, sink);
        Assert.Equal(content[..^1], Assert.Single(sink.LineBytes));
    }

    [Fact]
    public void Line_of_exactly_the_limit_is_delivered_and_one_byte_more_is_skipped()
    {
        var sink = Split(5, "12345\n123456\nok\n");
        Assert.Equal(["12345", "ok"], sink.Lines);
        Assert.Equal([6L], sink.TooLong);
    }

    [Fact]
    public void Too_long_line_across_many_chunks_is_skipped_with_its_full_length_in_bounded_memory()
    {
        var sink = new RecordingSink();
        var splitter = new LineSplitter(64);
        splitter.Push(B("before\nxx"), sink);
        for (int i = 0; i < 1000; i++)
        {
            splitter.Push(B(new string('y', 10)), sink);
            Assert.True(splitter.HeldCapacity <= 64, $"held {splitter.HeldCapacity} bytes");
        }
        splitter.Push(B("zz\nafter\n"), sink);
        Assert.Equal(["before", "after"], sink.Lines);
        Assert.Equal([2L + 10_000 + 2], sink.TooLong);
        Assert.True(splitter.HeldCapacity <= 64);
        Assert.Equal(0, splitter.PendingBytes);
    }

    [Fact]
    public void Too_long_line_within_one_chunk_is_skipped_without_holding_it()
    {
        var sink = new RecordingSink();
        var splitter = new LineSplitter(8);
        splitter.Push(B("a\n" + new string('q', 100) + "\nb\n"), sink);
        Assert.Equal(["a", "b"], sink.Lines);
        Assert.Equal([100L], sink.TooLong);
        Assert.Equal(0, splitter.HeldCapacity);
    }

    [Fact]
    public void Any_chunking_of_any_content_yields_exactly_the_lines_of_a_whole_split()
    {
        Gen<byte> bytes = Gen.OneOf((byte)'a', (byte)'b', (byte)'\n', (byte)'\r', (byte)0, (byte)0xff);
        Gen.Select(bytes.Array[0, 400], Gen.Int[1, 64].Array[1, 16], Gen.Int[1, 24]).Sample((content, cuts, max) =>
        {
            var sink = new RecordingSink();
            var splitter = new LineSplitter(max);
            int at = 0;
            for (int i = 0; at < content.Length; i++)
            {
                int size = Math.Min(cuts[i % cuts.Length], content.Length - at);
                splitter.Push(content.AsSpan(at, size), sink);
                at += size;
                if (splitter.HeldCapacity > max)
                {
                    return false;
                }
            }

            (List<string> lines, List<long> tooLong, long pending) = Reference(content, max);
            return sink.Lines.SequenceEqual(lines) && sink.TooLong.SequenceEqual(tooLong) && splitter.PendingBytes == pending;
        }, iter: 2000);
    }

    /// <summary>The obvious split of the whole content at once.</summary>
    private static (List<string> Lines, List<long> TooLong, long Pending) Reference(byte[] content, int max)
    {
        var lines = new List<string>();
        var tooLong = new List<long>();
        int start = 0;
        for (int i = 0; i < content.Length; i++)
        {
            if (content[i] != (byte)'\n')
            {
                continue;
            }
            byte[] line = content[start..i];
            if (line.Length > max)
            {
                tooLong.Add(line.Length);
            }
            else
            {
                if (line.Length > 0 && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }
                lines.Add(Encoding.Latin1.GetString(line));
            }
            start = i + 1;
        }
        return (lines, tooLong, content.Length - start);
    }
}
