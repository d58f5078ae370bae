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

    /// <summary>
    /// A look found nothing new in the file and nothing changed since the last look that checked its content: no
    /// read is needed this turn. Set by <see cref="LookQuietly"/>, cleared by the next look.
    /// </summary>
    public bool Settled { get; private set; }

    /// <summary>How far its modification time must lie behind the clock for it to change again with any write or cut.</summary>
    public static readonly TimeSpan ModifiedTimeGrain = TimeSpan.FromMilliseconds(100);

    // The length and modification time (UTC ticks) the last full look found, when everything was read then and the
    // time was older than ModifiedTimeGrain (so a later write or truncation gets a later one); -1: none.
    private long _settledLength = -1;
    private long _settledModifiedAt;

    /// <summary>
    /// The idle turn in three system calls (the path's stat, this one and the wait) instead of six: true when
    /// <paramref name="open"/> (the file's status now) has the length and modification time of the last full look
    /// that found everything read, and its path still names it (<paramref name="atPath"/>). A cut and a write of as many
    /// bytes would change the modification time.
    /// </summary>
    public bool LookQuietly(FileStatus open, FileStatus? atPath)
    {
        Settled = atPath?.Id == Identity.Id && _settledLength >= 0 && open.Length == _settledLength && open.ModifiedAt == _settledModifiedAt && open.Length == ReadOffset;
        return Settled;
    }

    /// <summary>After a full look that found the content unchanged: remembers the status when everything was read.</summary>
    public void Settle(FileStatus open)
    {
        bool readAll = open.Length == ReadOffset && open.ModifiedAt != 0;
        bool timeSettled = open.ModifiedAt < DateTime.UtcNow.Ticks - ModifiedTimeGrain.Ticks;
        _settledLength = readAll && timeSettled ? open.Length : -1;
        _settledModifiedAt = open.ModifiedAt;
    }

    // The last bytes read (up to TailCheckBytes, ending at ReadOffset): a log only grows, so they never change
    // unless the file was cut and written again, even past the old offset, between two reads.
    private readonly byte[] _lastRead = new byte[TailCheckBytes];
    private int _lastReadLength;
    private readonly byte[] _check = new byte[FileFingerprint.MaxLength];

    /// <summary>How many of the bytes just before the read offset are checked at each look (beside the first bytes).</summary>
    public const int TailCheckBytes = 32;

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
            var file = new TailedFile(handle, path, new FileIdentity(status.Id, 0, 0), 0, maxLineBytes)
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
        if (file.Identity.Id != expected.Id)
        {
            file.Dispose();
            return null;
        }
        return file;
    }

    /// <summary>Continues at <paramref name="offset"/> of a file whose identity a checkpoint saved.</summary>
    public void ResumeAt(long offset, FileIdentity saved)
    {
        _settledLength = -1;
        Identity = saved;
        ReadOffset = offset;
        _reportedOffset = offset;
        _lastReadLength = 0;
        Splitter.Reset();
    }

    /// <summary>Reads again from the start: the file was truncated or rewritten.</summary>
    public void RestartFromZero(Span<byte> scratch)
    {
        _settledLength = -1;
        ReadOffset = 0;
        _reportedOffset = 0;
        _lastReadLength = 0;
        CutWhileReading = false;
        Splitter.Reset();
        Identity = Identity with { Fingerprint = 0, FingerprintLength = 0 };
        KnownLength = RandomAccess.GetLength(Handle);
        ExtendFingerprint(scratch);
    }

    /// <summary>Starts after the last complete line, so nothing written before is delivered and no torn line either.</summary>
    public void StartAtLastLineEnd(int maxLineBytes, Span<byte> scratch)
    {
        _settledLength = -1;
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

    /// <summary>
    /// Set when a read found that the file was cut (copytruncate) and written again since the bytes before it were
    /// read: the chunk came from the new content, so none of its lines were handed out. The rotation follower then
    /// sees the truncation (<see cref="StillHoldsWhatWasRead"/>) and starts the file again.
    /// </summary>
    public bool CutWhileReading { get; private set; }

    /// <summary>
    /// Reads the next chunk at <see cref="ReadOffset"/> into <paramref name="buffer"/> and delivers its lines; 0 at
    /// the end, and 0 with <see cref="CutWhileReading"/> set when the file was cut under the read.
    /// </summary>
    public int ReadChunk(byte[] buffer, ILineSink sink)
    {
        int read = RandomAccess.Read(Handle, buffer, ReadOffset);
        // A copytruncate while a busy log is read, with nginx writing past this offset again before the read: the
        // chunk is then new content read from the middle. Checked after the read (what was read before is still
        // there, so the cut, if any, came after it), before any of its lines is handed out. Two small reads.
        if (read > 0 && !StillHoldsWhatWasRead(_check))
        {
            CutWhileReading = true;
            return 0;
        }
        if (read > 0)
        {
            _settledLength = -1;
            RememberLastRead(buffer.AsSpan(0, read));
            Splitter.Push(buffer.AsSpan(0, read), sink);
            ReadOffset += read;
            KnownLength = Math.Max(KnownLength, ReadOffset);
        }
        return read;
    }

    private void RememberLastRead(ReadOnlySpan<byte> read)
    {
        if (read.Length >= TailCheckBytes)
        {
            read[^TailCheckBytes..].CopyTo(_lastRead);
            _lastReadLength = TailCheckBytes;
            return;
        }
        int keep = Math.Min(_lastReadLength, TailCheckBytes - read.Length);
        _lastRead.AsSpan(_lastReadLength - keep, keep).CopyTo(_lastRead);
        read.CopyTo(_lastRead.AsSpan(keep));
        _lastReadLength = keep + read.Length;
    }

    /// <summary>
    /// Whether the bytes read so far are still in the file: its first bytes hash to the fingerprint and the
    /// bytes just before the read offset are the ones read there. A copytruncate followed by more writes than
    /// the old offset before the next look changes one or both (the new lines start the file again), though
    /// the file is no shorter than what was read. Two small reads.
    /// </summary>
    public bool StillHoldsWhatWasRead(Span<byte> scratch)
    {
        if (!FingerprintMatches(scratch))
        {
            return false;
        }
        if (_lastReadLength == 0 || ReadOffset < _lastReadLength)
        {
            return true;
        }
        Span<byte> tail = scratch[.._lastReadLength];
        return ReadFully(tail, ReadOffset - _lastReadLength) == tail.Length && tail.SequenceEqual(_lastRead.AsSpan(0, _lastReadLength));
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
        // The first bytes again with the new ones, in one read: when the file was cut and written again since they
        // were hashed, a fingerprint of old and new bytes together would match neither the file nor its copy, and
        // the copytruncate would lose the copy's unread lines. Such a fingerprint is not extended: the next look
        // sees the cut.
        int read = ReadFully(scratch[..FileFingerprint.MaxLength], 0);
        if (read <= have || (have > 0 && FileFingerprint.Of(scratch[..have]) != Identity.Fingerprint))
        {
            return;
        }
        Identity = Identity with
        {
            Fingerprint = FileFingerprint.Of(scratch[..read]),
            FingerprintLength = read,
        };
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
                _ => new FileAccessException("open", path, errno),
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
