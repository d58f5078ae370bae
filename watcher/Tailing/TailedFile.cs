using Microsoft.Win32.SafeHandles;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// One open file being read: its handle (kept open across renames and deletion), identity, how far it
/// was read, and its own unfinished line. <see cref="ConsumedOffset"/> is where its next line starts:
/// the offset a checkpoint saves.
/// </summary>
internal sealed class TailedFile : IDisposable
{
    private TailedFile(SafeFileHandle handle, string name, FileIdentity identity, long offset, int maxLineBytes)
    {
        Handle = handle;
        Name = name;
        Identity = identity;
        ReadOffset = offset;
        KnownLength = offset;
        Splitter = new LineSplitter(maxLineBytes);
    }

    public SafeFileHandle Handle { get; }

    /// <summary>The path it had when opened (for logs only: it may have been renamed since).</summary>
    public string Name { get; }

    public FileIdentity Identity { get; private set; }

    /// <summary>The offset of the next byte to read.</summary>
    public long ReadOffset { get; private set; }

    /// <summary>The file's length when last looked at.</summary>
    public long KnownLength { get; set; }

    public LineSplitter Splitter { get; }

    /// <summary>When data last arrived (a <see cref="TimeProvider"/> timestamp); drives the drain quiet period.</summary>
    public long LastDataTimestamp { get; set; }

    public long ConsumedOffset => ReadOffset - Splitter.PendingBytes;

    // Where consumed bytes were last handed out by TakeConsumedBytes: each byte is counted once, even when an
    // unfinished line is read again after a restart (resuming at the saved offset sets this to it).
    private long _reportedOffset;

    /// <summary>The bytes of lines consumed since the last call (for <c>watcher_bytes_read_total</c>).</summary>
    public long TakeConsumedBytes()
    {
        long consumed = ConsumedOffset;
        long delta = consumed - _reportedOffset;
        _reportedOffset = consumed;
        return Math.Max(0, delta);
    }

    public TailPosition Position => new(Identity, ConsumedOffset);

    public long LagBytes => Math.Max(0, KnownLength - ConsumedOffset);

    /// <summary>
    /// Opens <paramref name="path"/> for reading without stopping anyone from writing, renaming or deleting it.
    /// Only a regular file is read: anything else (a FIFO, a device) throws <see cref="NotARegularFileException"/>,
    /// and opening never blocks (O_NONBLOCK: a FIFO without a writer would block a plain open for ever).
    /// </summary>
    public static TailedFile Open(string path, int maxLineBytes, Span<byte> scratch)
    {
        var handle = OpenNonBlocking(path);
        try
        {
            FileStatus status = FileStatus.OfHandle(handle);
            if (!status.IsRegularFile)
            {
                throw new NotARegularFileException(path, status.Kind);
            }
            var file = new TailedFile(handle, path, new FileIdentity(status.Device, status.Inode, 0, 0), 0, maxLineBytes)
            {
                KnownLength = status.Length,
            };
            file.ExtendFingerprint(scratch);
            return file;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Opens the file at <paramref name="path"/> only if it is still the one <paramref name="expected"/> names.</summary>
    public static TailedFile? OpenIfSame(string path, FileStatus expected, int maxLineBytes, Span<byte> scratch)
    {
        TailedFile file;
        try
        {
            file = Open(path, maxLineBytes, scratch);
        }
        catch (Exception e) when (e is FileNotFoundException or NotARegularFileException)
        {
            return null;
        }
        if (file.Identity.Device != expected.Device || file.Identity.Inode != expected.Inode)
        {
            file.Dispose();
            return null;
        }
        return file;
    }

    /// <summary>Continues at <paramref name="offset"/> of a file whose identity a checkpoint saved.</summary>
    public void ResumeAt(long offset, FileIdentity saved)
    {
        Identity = saved;
        ReadOffset = offset;
        _reportedOffset = offset;
        Splitter.Reset();
    }

    /// <summary>Reads again from the start: the file was truncated or rewritten.</summary>
    public void RestartFromZero(Span<byte> scratch)
    {
        ReadOffset = 0;
        _reportedOffset = 0;
        Splitter.Reset();
        Identity = Identity with { Fingerprint = 0, FingerprintLength = 0 };
        KnownLength = RandomAccess.GetLength(Handle);
        ExtendFingerprint(scratch);
    }

    /// <summary>Starts after the last complete line, so nothing written before is delivered and no torn line either.</summary>
    public void StartAtLastLineEnd(int maxLineBytes, Span<byte> scratch)
    {
        long length = RandomAccess.GetLength(Handle);
        KnownLength = length;
        long lowest = Math.Max(0, length - maxLineBytes - 1);
        long end = length;
        while (end > lowest)
        {
            int size = (int)Math.Min(scratch.Length, end - lowest);
            long start = end - size;
            int read = ReadFully(scratch[..size], start);
            int newline = scratch[..read].LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                ReadOffset = start + newline + 1;
                _reportedOffset = ReadOffset;
                return;
            }
            end = start;
        }
        ReadOffset = length;
        if (lowest > 0)
        {
            // No newline within a line's maximum length from the end: the line being written is too long.
            Splitter.SkipCurrentLine(length - lowest);
            _reportedOffset = lowest;
        }
        else
        {
            // The whole file is one unfinished line: it is new content, keep it.
            ReadOffset = 0;
        }
    }

    /// <summary>Reads the next chunk at <see cref="ReadOffset"/> into <paramref name="buffer"/> and delivers its lines; 0 at the end.</summary>
    public int ReadChunk(byte[] buffer, IAccessLogSink sink)
    {
        int read = RandomAccess.Read(Handle, buffer, ReadOffset);
        if (read > 0)
        {
            Splitter.Push(buffer.AsSpan(0, read), sink);
            ReadOffset += read;
            KnownLength = Math.Max(KnownLength, ReadOffset);
        }
        return read;
    }

    /// <summary>Whether the first bytes still hash to the fingerprint (a short read means they changed).</summary>
    public bool FingerprintMatches(Span<byte> scratch) => Matches(Identity, scratch);

    public bool Matches(FileIdentity saved, Span<byte> scratch)
    {
        if (saved.FingerprintLength == 0)
        {
            return true;
        }
        Span<byte> head = scratch[..saved.FingerprintLength];
        return ReadFully(head, 0) == head.Length && FileFingerprint.Of(head) == saved.Fingerprint;
    }

    /// <summary>Hashes more of the first <see cref="FileFingerprint.MaxLength"/> bytes once a short file grew.</summary>
    public void ExtendFingerprint(Span<byte> scratch)
    {
        int have = Identity.FingerprintLength;
        if (have >= FileFingerprint.MaxLength || KnownLength <= have)
        {
            return;
        }
        int read = ReadFully(scratch[..(FileFingerprint.MaxLength - have)], have);
        if (read > 0)
        {
            ulong seed = have == 0 ? FileFingerprint.Empty : Identity.Fingerprint;
            Identity = Identity with
            {
                Fingerprint = FileFingerprint.Extend(seed, scratch[..read]),
                FingerprintLength = have + read,
            };
        }
    }

    public void Dispose() => Handle.Dispose();

    private static SafeFileHandle OpenNonBlocking(string path)
    {
        int fd = LibC.Open(path, LibC.OpenReadOnly | LibC.NonBlocking | LibC.CloseOnExec);
        if (fd < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw errno switch
            {
                LibC.ENOENT or LibC.ENOTDIR => new FileNotFoundException($"{path} does not exist", path),
                LibC.EACCES => new UnauthorizedAccessException($"{path} cannot be read: permission denied"),
                _ => new IOException($"{path} cannot be opened (errno {errno})"),
            };
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private int ReadFully(Span<byte> destination, long offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(Handle, destination[total..], offset + total);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }
}
