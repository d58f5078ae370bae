using System.Buffers.Binary;
using System.Collections.Concurrent;
using Sidecars.Watcher.Metrics;

namespace Sidecars.Watcher;

/// <summary>
/// Once mode: counts the paths no route matched into <see cref="UnmatchedPaths"/> on a thread of its own.
/// The thread reading the log only copies each path into a 64 KiB batch (a few ns a line); collapsing and
/// counting, several times the cost of parsing a line's path, run on the other core, so that listing
/// the paths does not slow the replay down. Memory stays bounded: at most <see cref="MaxBatches"/> batches
/// wait, and the reader waits for the counter when it falls that far behind.
/// </summary>
internal sealed class UnmatchedPathsCollector : IDisposable
{
    private const int BatchBytes = 64 * 1024;
    private const int MaxBatches = 4;

    /// <summary>Longer paths are counted by their first 4 KiB (their shape is cut far sooner).</summary>
    public const int MaxPathBytes = 4096;

    private readonly BlockingCollection<(byte[] Batch, int Length)> _full = new(MaxBatches);
    private readonly ConcurrentQueue<byte[]> _free = new();
    private readonly Thread _counter;
    private byte[] _batch = new byte[BatchBytes];
    private int _length;
    private Exception? _failure;

    public UnmatchedPathsCollector(UnmatchedPaths paths)
    {
        Paths = paths;
        _counter = new Thread(Count) { IsBackground = true, Name = "unmatched paths" };
        _counter.Start();
    }

    /// <summary>The counts; complete only after <see cref="Complete"/>.</summary>
    public UnmatchedPaths Paths { get; }

    /// <summary>Queues one path to be counted (its query is taken off there). One thread calls this.</summary>
    public void Add(ReadOnlySpan<byte> path)
    {
        if (path.IsEmpty)
        {
            return;
        }
        if (path.Length > MaxPathBytes)
        {
            path = path[..MaxPathBytes];
        }
        if (_length + sizeof(ushort) + path.Length > BatchBytes)
        {
            Send();
        }
        BinaryPrimitives.WriteUInt16LittleEndian(_batch.AsSpan(_length), (ushort)path.Length);
        path.CopyTo(_batch.AsSpan(_length + sizeof(ushort)));
        _length += sizeof(ushort) + path.Length;
    }

    /// <summary>Counts what is queued, waits for the counter, and returns the complete counts.</summary>
    public UnmatchedPaths Complete()
    {
        if (!_full.IsAddingCompleted)
        {
            Send();
            _full.CompleteAdding();
        }
        _counter.Join();
        return _failure is null ? Paths : throw new InvalidOperationException("counting the unmatched paths failed", _failure);
    }

    public void Dispose()
    {
        Complete();
        _full.Dispose();
    }

    private void Send()
    {
        if (_length == 0)
        {
            return;
        }
        _full.Add((_batch, _length));
        _batch = _free.TryDequeue(out byte[]? recycled) ? recycled : new byte[BatchBytes];
        _length = 0;
    }

    private void Count()
    {
        try
        {
            foreach (var (batch, length) in _full.GetConsumingEnumerable())
            {
                var rest = batch.AsSpan(0, length);
                while (!rest.IsEmpty)
                {
                    int pathLength = BinaryPrimitives.ReadUInt16LittleEndian(rest);
                    Paths.Add(rest.Slice(sizeof(ushort), pathLength));
                    rest = rest[(sizeof(ushort) + pathLength)..];
                }
                _free.Enqueue(batch);
            }
        }
        catch (Exception e)
        {
            _failure = e;
            // Keep taking batches so the reader never waits for a counter that stopped.
            foreach (var (batch, _) in _full.GetConsumingEnumerable())
            {
                _free.Enqueue(batch);
            }
        }
    }
}
