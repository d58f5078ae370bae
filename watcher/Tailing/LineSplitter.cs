namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Cuts a byte stream, fed in arbitrary chunks, into lines at <c>\n</c> (one <c>\r</c> before it is
/// removed). Complete lines inside a chunk go to the sink straight from the caller's buffer; only the
/// unfinished tail of a chunk is copied, and never more than <c>maxLineBytes</c> of it: a longer line is
/// discarded up to its <c>\n</c> and reported by length. Pure: no I/O, no clock.
/// </summary>
internal sealed class LineSplitter
{
    private readonly int _maxLineBytes;
    private byte[] _carry = [];
    private int _carryLength;
    private bool _discarding;
    private long _discardedLength;

    public LineSplitter(int maxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>Bytes of the current unfinished line seen so far (held or being discarded).</summary>
    public long PendingBytes => _discarding ? _discardedLength : _carryLength;

    /// <summary>The size of the buffer kept for an unfinished line: never above the line limit.</summary>
    public int HeldCapacity => _carry.Length;

    /// <summary>Feeds the next bytes of the stream; delivers every line they complete.</summary>
    public void Push(ReadOnlySpan<byte> chunk, ILineSink sink)
    {
        while (!chunk.IsEmpty)
        {
            int newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Hold(chunk);
                return;
            }

            ReadOnlySpan<byte> piece = chunk[..newline];
            chunk = chunk[(newline + 1)..];
            if (_discarding)
            {
                sink.OnLineTooLong(_discardedLength + piece.Length);
                _discarding = false;
                _discardedLength = 0;
            }
            else if (_carryLength > 0)
            {
                long length = (long)_carryLength + piece.Length;
                if (length > _maxLineBytes)
                {
                    sink.OnLineTooLong(length);
                }
                else
                {
                    Append(piece);
                    Deliver(_carry.AsSpan(0, _carryLength), sink);
                }
                _carryLength = 0;
            }
            else if (piece.Length > _maxLineBytes)
            {
                sink.OnLineTooLong(piece.Length);
            }
            else
            {
                Deliver(piece, sink);
            }
        }
    }

    /// <summary>
    /// Starts in the middle of a line whose first <paramref name="alreadySeen"/> bytes were never held:
    /// it is skipped up to its <c>\n</c> and reported as too long (the caller knows it exceeds the limit).
    /// </summary>
    public void SkipCurrentLine(long alreadySeen)
    {
        _carryLength = 0;
        _discarding = true;
        _discardedLength = alreadySeen;
    }

    /// <summary>Forgets the unfinished line (the file it came from was truncated or closed).</summary>
    public void Reset()
    {
        _carryLength = 0;
        _discarding = false;
        _discardedLength = 0;
    }

    private void Hold(ReadOnlySpan<byte> rest)
    {
        if (_discarding)
        {
            _discardedLength += rest.Length;
        }
        else if ((long)_carryLength + rest.Length > _maxLineBytes)
        {
            // Too long already: stop holding it and skip to its newline.
            _discarding = true;
            _discardedLength = (long)_carryLength + rest.Length;
            _carryLength = 0;
        }
        else
        {
            Append(rest);
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        int needed = _carryLength + bytes.Length;
        if (needed > _carry.Length)
        {
            // Grow geometrically, capped at the line limit (the callers never need more).
            int size = Math.Min(_maxLineBytes, Math.Max(needed, Math.Max(256, _carry.Length * 2)));
            Array.Resize(ref _carry, size);
        }
        bytes.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength = needed;
    }

    private static void Deliver(ReadOnlySpan<byte> line, ILineSink sink)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        sink.OnLine(line);
    }
}
