using System.Buffers;

namespace Sidecars.Writer;

/// <summary>What one write did to the file: its size after, whether it was trimmed, and the bytes put on disk.</summary>
internal readonly record struct IndexFileWrite(long SizeBytes, bool Trimmed, long BytesWritten);

/// <summary>The file the lines go to. A seam so faults (full disk, read-only volume) can be tested without them.</summary>
internal interface IIndexFile
{
    string Path { get; }

    /// <summary>Adds one whole line (ending in <c>\n</c>); throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> on failure.</summary>
    IndexFileWrite Append(ReadOnlySpan<byte> line);
}

/// <summary>
/// Appends lines to the index file so a reader (nginx) never sees half a line, an empty file or a torn one:
/// each line is ONE write call on a file opened in append mode for that tick (so a deleted or replaced file is
/// simply created again). With <c>MaxLines</c> set, the file may grow to <see cref="MostLines"/> (a tenth more);
/// the append that would pass that writes the newest <c>MaxLines</c> lines to a temporary file in the same folder
/// and renames it over the target, an atomic replace. Trimming in batches keeps the cost per line constant: the
/// whole file is rewritten once per <c>MaxLines / 10 + 1</c> lines, not on every line.
/// </summary>
internal sealed class IndexFileAppender(string path, int maxLines) : IIndexFile
{
    private readonly string _path = System.IO.Path.GetFullPath(path);
    private readonly string _temporaryPath = System.IO.Path.Combine(
        System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? "/",
        $".{System.IO.Path.GetFileName(path)}.writer-tmp");
    private readonly long _mostLines = MostLines(maxLines);

    // What the file looked like after our last write; a different length means someone else changed it
    // (deleted, replaced, truncated, appended), and only then are its lines counted again.
    private long _knownLength = -1;
    private long _knownLines;

    public string Path => _path;

    /// <summary>
    /// The most lines the file holds (and a reader sees) with <paramref name="maxLines"/> set: <c>MaxLines</c> plus a
    /// tenth (rounded down), so below 10 every append past <c>MaxLines</c> trims.
    /// </summary>
    public static long MostLines(int maxLines) => maxLines + (long)maxLines / 10;

    public IndexFileWrite Append(ReadOnlySpan<byte> line)
    {
        using (var stream = OpenForAppend())
        {
            long length = stream.Length;
            if (maxLines == 0)
            {
                WriteWhole(stream, length, line);
                _knownLength = length + line.Length;
                return new IndexFileWrite(_knownLength, Trimmed: false, BytesWritten: line.Length);
            }
            if (length != _knownLength)
            {
                _knownLines = CountLines(_path);
                _knownLength = length;
            }
            long lines = _knownLines + line.Count((byte)'\n');
            if (lines <= _mostLines)
            {
                WriteWhole(stream, length, line);
                _knownLines = lines;
                _knownLength = length + line.Length;
                return new IndexFileWrite(_knownLength, Trimmed: false, BytesWritten: line.Length);
            }
        }
        // Full: replace the file by its newest lines plus this one, in one rename.
        ReplaceWithNewest(line);
        return new IndexFileWrite(_knownLength, Trimmed: true, BytesWritten: _knownLength);
    }

    private FileStream OpenForAppend()
    {
        try
        {
            return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(_path))
        {
            throw WriteFailure.PathIsDirectory(_path);
        }
    }

    // One write call for the whole line. If the disk fills part-way, the part is cut off again so the
    // file never keeps half a line.
    private static void WriteWhole(FileStream stream, long length, ReadOnlySpan<byte> line)
    {
        try
        {
            stream.Write(line);
        }
        catch (IOException)
        {
            try
            {
                stream.SetLength(length);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }

    private void ReplaceWithNewest(ReadOnlySpan<byte> line)
    {
        byte[] content = File.ReadAllBytes(_path);
        int newLines = line.Count((byte)'\n');
        int keepOld = Math.Max(0, maxLines - newLines);
        int start = StartOfLastLines(content, keepOld);
        var kept = content.AsSpan(start);
        int lineStart = newLines > maxLines ? StartOfLastLines(line, maxLines) : 0;
        var newest = line[lineStart..];
        try
        {
            // Two writes are fine here: nobody reads the temporary file before the rename.
            using (var temporary = new FileStream(_temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                temporary.Write(kept);
                temporary.Write(newest);
            }
            File.Move(_temporaryPath, _path, overwrite: true);
        }
        catch
        {
            TryDelete(_temporaryPath);
            throw;
        }
        _knownLines = Math.Min(maxLines, CountLines(kept) + newLines);
        _knownLength = kept.Length + newest.Length;
    }

    /// <summary>Where the last <paramref name="count"/> lines of <paramref name="content"/> start (an unfinished last line counts as one).</summary>
    internal static int StartOfLastLines(ReadOnlySpan<byte> content, int count)
    {
        if (count == 0)
        {
            return content.Length;
        }
        int end = content.Length;
        // A trailing newline ends the last line; it does not start an empty one.
        if (end > 0 && content[end - 1] == (byte)'\n')
        {
            end--;
        }
        for (int seen = 0; end > 0; seen++)
        {
            int newline = content[..end].LastIndexOf((byte)'\n');
            if (newline < 0)
            {
                return 0;
            }
            if (seen + 1 == count)
            {
                return newline + 1;
            }
            end = newline;
        }
        return 0;
    }

    internal static long CountLines(ReadOnlySpan<byte> content) =>
        content.Count((byte)'\n') + (content.Length > 0 && content[^1] != (byte)'\n' ? 1 : 0);

    private static long CountLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long lines = 0;
            byte last = (byte)'\n';
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                last = buffer[read - 1];
            }
            return last == (byte)'\n' ? lines : lines + 1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
