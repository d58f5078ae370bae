using System.IO.Compression;

namespace Sidecars.Hosting;

/// <summary>
/// One rendering of the exposition in one <see cref="MetricsFormat"/>, shared by every scrape of that format
/// that arrives while it is fresh: the body in a pooled buffer and, made at most once and only if a scraper asks for it, its gzip form.
/// Reference-counted: the <see cref="ExpositionCache"/> holds one reference while the rendering is
/// current and each response holds one while it writes; the last <see cref="Release"/> returns the
/// buffers to the pool.
/// </summary>
internal sealed class Rendering
{
    /// <summary>Fast beats small here: measured on a 500-label-set exposition (docs/design/http-endpoint.md).</summary>
    internal const CompressionLevel GzipLevel = CompressionLevel.Fastest;

    private readonly PooledBuffer _body;
    private readonly Lock _gzipLock = new();
    private PooledBuffer? _gzip;
    private int _references = 1;

    internal Rendering(PooledBuffer body, long renderedAt, long? version, long sequence = 0, MetricsFormat format = MetricsFormat.Text)
    {
        _body = body;
        Format = format;
        RenderedAt = renderedAt;
        Version = version;
        Sequence = sequence;
    }

    /// <summary>The <see cref="TimeProvider"/> timestamp taken before the values were read.</summary>
    public long RenderedAt { get; }

    /// <summary>The sum of the sources' versions when it was rendered (null: a source could not tell).</summary>
    public long? Version { get; }

    /// <summary>Its place among the renderings the cache started (1, 2, ...): later ones hold newer values.</summary>
    public long Sequence { get; }

    /// <summary>The format of <see cref="Body"/>.</summary>
    public MetricsFormat Format { get; }

    /// <summary>The exposition in its format (text: UTF-8; protobuf: length-delimited messages).</summary>
    public PooledBuffer Body => _body;

    /// <summary>The exposition gzip-compressed; compressed on the first call, shared after it.</summary>
    public PooledBuffer Gzipped()
    {
        lock (_gzipLock)
        {
            if (_gzip is null)
            {
                var gzip = new PooledBuffer();
                using (var stream = new GZipStream(gzip.AsStream(), GzipLevel, leaveOpen: true))
                {
                    foreach (var chunk in _body.Chunks)
                    {
                        stream.Write(chunk.Span);
                    }
                }
                _gzip = gzip;
            }
            return _gzip;
        }
    }

    /// <summary>Takes a reference unless the rendering was already released for good.</summary>
    public bool TryAddReference()
    {
        int current = Volatile.Read(ref _references);
        while (current > 0)
        {
            int seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }
            current = seen;
        }
        return false;
    }

    /// <summary>Gives a reference back; the last one returns the buffers to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _body.Dispose();
            lock (_gzipLock)
            {
                _gzip?.Dispose();
            }
        }
    }
}
