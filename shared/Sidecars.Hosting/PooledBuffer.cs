using System.Buffers;

namespace Sidecars.Hosting;

/// <summary>
/// Bytes written into arrays rented from <see cref="ArrayPool{T}.Shared"/>, chunk by chunk, so an
/// exposition of any size is built without one large allocation and without copying on growth.
/// <see cref="Dispose"/> returns every chunk to the pool; nothing may read the chunks after that.
/// Not thread-safe while written; readable by many threads once complete.
/// </summary>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    /// <summary>The size of a chunk; also the largest piece a response writes at once.</summary>
    public const int ChunkSize = 16 * 1024;

    private readonly List<byte[]> _chunks = [];
    private readonly List<int> _lengths = [];
    private bool _disposed;

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    /// <summary>The written bytes, chunk by chunk, in order.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Chunks
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (int i = 0; i < _chunks.Count; i++)
            {
                if (_lengths[i] > 0)
                {
                    yield return _chunks[i].AsMemory(0, _lengths[i]);
                }
            }
        }
    }

    public void Advance(int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int last = _chunks.Count - 1;
        if (count < 0 || last < 0 || _lengths[last] + count > _chunks[last].Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _lengths[last] += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int want = Math.Max(sizeHint, 1);
        int last = _chunks.Count - 1;
        if (last < 0 || _chunks[last].Length - _lengths[last] < want)
        {
            _chunks.Add(ArrayPool<byte>.Shared.Rent(Math.Max(want, ChunkSize)));
            _lengths.Add(0);
            last++;
        }
        return _chunks[last].AsMemory(_lengths[last]);
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>A copy of everything written (for tests and small bodies).</summary>
    public byte[] ToArray()
    {
        var all = new byte[Length];
        int at = 0;
        foreach (var chunk in Chunks)
        {
            chunk.Span.CopyTo(all.AsSpan(at));
            at += chunk.Length;
        }
        return all;
    }

    /// <summary>A write-only stream that appends to this buffer (for writers that want a <see cref="Stream"/>).</summary>
    public Stream AsStream() => new WriteStream(this);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (byte[] chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        _chunks.Clear();
        _lengths.Clear();
    }

    private sealed class WriteStream(PooledBuffer buffer) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => buffer.Length;
        public override long Position { get => buffer.Length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] bytes, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] bytes, int offset, int count) => Write(bytes.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                var target = buffer.GetSpan();
                int n = Math.Min(target.Length, bytes.Length);
                bytes[..n].CopyTo(target);
                buffer.Advance(n);
                bytes = bytes[n..];
            }
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] bytes, int offset, int count, CancellationToken cancellationToken)
        {
            Write(bytes.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
        {
            Write(bytes.Span);
            return ValueTask.CompletedTask;
        }
    }
}
