using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Sidecars.Writer;

/// <summary>
/// Appends lines to the index file so a reader (nginx) never sees half a line, an empty file or a torn one:
/// each line is ONE write call on a file opened for that tick (so a deleted or replaced file is simply created
/// again). With <c>MaxLines</c> set, the file may grow to <see cref="MostLines"/> (a tenth more); the append that
/// would pass that writes the newest <c>MaxLines</c> lines to a new temporary file in the same folder and renames
/// it over the target, an atomic replace. Trimming in batches keeps the cost per line constant: the whole file is
/// rewritten once per <c>MaxLines / 10 + 1</c> lines, not on every line.
/// The folder is shared with another container, so no symbolic link is followed (<see cref="NoFollowFile"/>): a
/// link in the file's place is a failure, and the file is read for counting and trimming through the handle that
/// was opened, not by its name again. Each trim's temporary file gets a new random name, created only if nothing
/// is there yet.
/// </summary>
/// <param name="path">The index file.</param>
/// <param name="maxLines">0 keeps every line.</param>
/// <param name="temporarySuffix">For tests: the random part of the temporary file's name.</param>
internal sealed class IndexFileAppender(string path, int maxLines, Func<string>? temporarySuffix = null) : IIndexFile
{
    // A trim makes a name this many times at most: a clash of 128 random bits is someone who reads the folder.
    private const int TemporaryNameTries = 4;
    private const int SuffixLength = 32;
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    private readonly string _path = System.IO.Path.GetFullPath(path);
    private readonly string _folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? "/";
    private readonly string _temporaryPrefix = $".{System.IO.Path.GetFileName(path)}.writer-tmp-";
    private readonly Func<string> _temporarySuffix = temporarySuffix ?? (static () => Random.Shared.GetHexString(SuffixLength, lowercase: true));
    private readonly long _mostLines = MostLines(maxLines);
    private bool _staleRemoved;

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
        if (!_staleRemoved)
        {
            RemoveStaleTemporaryFiles();
            _staleRemoved = true;
        }
        byte[] content;
        using (var file = NoFollowFile.OpenOrCreate(_path, read: maxLines > 0))
        {
            long length = RandomAccess.GetLength(file);
            if (maxLines == 0)
            {
                WriteWhole(file, length, line);
                _knownLength = length + line.Length;
                return new IndexFileWrite(_knownLength, Trimmed: false, BytesWritten: line.Length);
            }
            if (length != _knownLength)
            {
                _knownLines = CountLines(file);
                _knownLength = length;
            }
            long lines = _knownLines + line.Count((byte)'\n');
            if (lines <= _mostLines)
            {
                WriteWhole(file, length, line);
                _knownLines = lines;
                _knownLength = length + line.Length;
                return new IndexFileWrite(_knownLength, Trimmed: false, BytesWritten: line.Length);
            }
            content = ReadAll(file, length);
        }
        // Full: replace the file by its newest lines plus this one, in one rename.
        ReplaceWithNewest(content, line);
        return new IndexFileWrite(_knownLength, Trimmed: true, BytesWritten: _knownLength);
    }

    // One write call for the whole line, at the end. If the disk fills part-way, the part is cut off again so
    // the file never keeps half a line.
    private static void WriteWhole(SafeFileHandle file, long length, ReadOnlySpan<byte> line)
    {
        try
        {
            RandomAccess.Write(file, line, length);
        }
        catch (IOException)
        {
            try
            {
                RandomAccess.SetLength(file, length);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }

    private void ReplaceWithNewest(byte[] content, ReadOnlySpan<byte> line)
    {
        int newLines = line.Count((byte)'\n');
        int keepOld = Math.Max(0, maxLines - newLines);
        int start = StartOfLastLines(content, keepOld);
        var kept = content.AsSpan(start);
        int lineStart = newLines > maxLines ? StartOfLastLines(line, maxLines) : 0;
        var newest = line[lineStart..];
        for (int attempt = 0; attempt < TemporaryNameTries; attempt++)
        {
            string temporary = System.IO.Path.Combine(_folder, _temporaryPrefix + _temporarySuffix());
            // A new file or nothing: whatever is at that name already (a planted link included) is left alone.
            using var file = NoFollowFile.CreateNew(temporary);
            if (file is null)
            {
                continue;
            }
            try
            {
                // Two writes are fine here: nobody reads the temporary file before the rename.
                RandomAccess.Write(file, kept, 0);
                RandomAccess.Write(file, newest, kept.Length);
                file.Dispose();
                // rename(2) replaces whatever is at the target, a link included, and follows none.
                File.Move(temporary, _path, overwrite: true);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
            _knownLines = Math.Min(maxLines, CountLines(kept) + newLines);
            _knownLength = kept.Length + newest.Length;
            return;
        }
        throw new IOException($"no free name for a temporary file beside {_path} in {TemporaryNameTries} tries");
    }

    // Temporary files of our naming left by a writer that died between creating one and renaming it. Only those
    // older than a minute (a trim takes milliseconds, and another writer on the same folder may be in one), and
    // deleting never follows a link: a planted one is removed, not its target.
    private void RemoveStaleTemporaryFiles()
    {
        try
        {
            foreach (string file in Directory.EnumerateFiles(_folder, _temporaryPrefix + "*"))
            {
                string suffix = System.IO.Path.GetFileName(file)[_temporaryPrefix.Length..];
                if (suffix.Length == SuffixLength && suffix.All(char.IsAsciiHexDigitLower)
                    && DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > StaleAfter)
                {
                    TryDelete(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Tidying up is not the writer's job: a folder that cannot be listed fails at the append that follows.
        }
    }

    private static byte[] ReadAll(SafeFileHandle file, long length)
    {
        byte[] content = new byte[length];
        int total = 0;
        int read;
        while (total < content.Length && (read = RandomAccess.Read(file, content.AsSpan(total), total)) > 0)
        {
            total += read;
        }
        return total == content.Length ? content : content[..total];
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

    private static long CountLines(SafeFileHandle file)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long lines = 0;
            long offset = 0;
            byte last = (byte)'\n';
            int read;
            while ((read = RandomAccess.Read(file, buffer, offset)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                last = buffer[read - 1];
                offset += read;
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
