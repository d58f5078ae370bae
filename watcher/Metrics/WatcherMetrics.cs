using System.Buffers;
using System.Text;
using Sidecars.Hosting;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// The watcher's metrics: <see cref="Staged"/> is updated per line by the tailer's thread; a scrape reads only
/// the published copy, which is replaced after the staged values were saved. So /metrics never shows a value
/// that a crash could take back. Rendering only reads: the scrape asked the tailer to catch up before
/// (<see cref="ReadOnScrape"/>).
/// </summary>
internal sealed class WatcherMetrics : IMetricsSource
{
    private readonly Lock _lock = new();
    private readonly MetricValues _published;
    private long _version;

    public WatcherMetrics(MetricsLayout layout)
    {
        Layout = layout;
        Staged = new MetricValues(layout);
        _published = new MetricValues(layout);
    }

    public MetricsLayout Layout { get; }

    /// <summary>Values counted but maybe not saved yet; only the tailer's thread touches them.</summary>
    public MetricValues Staged { get; }

    /// <summary>Makes <paramref name="values"/> (a saved copy, or the staged values when nothing is saved) what scrapes see.</summary>
    public void Publish(MetricValues values)
    {
        lock (_lock)
        {
            values.CopyTo(_published);
        }
        Interlocked.Increment(ref _version);
    }

    /// <summary>Grows with every publication.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>A failed save shows at once, though the values it held are not published.</summary>
    public void PublishSaveFailures(long failures)
    {
        lock (_lock)
        {
            _published.StateSaveFailures = failures;
        }
        Interlocked.Increment(ref _version);
    }

    /// <summary>A copy of what a scrape would see now.</summary>
    public MetricValues Snapshot()
    {
        lock (_lock)
        {
            return _published.Clone();
        }
    }

    /// <summary>Set once the saved values were restored (or there were none): before that, scrapes show none of these values.</summary>
    public bool Restored
    {
        get => Volatile.Read(ref _restored);
        set
        {
            Volatile.Write(ref _restored, value);
            Interlocked.Increment(ref _version);
        }
    }

    private bool _restored;

    public void WriteTo(IBufferWriter<byte> output) => Render(output, Exposition.Write);

    /// <summary>The same values as <see cref="WriteTo"/>, as protobuf messages (<see cref="ProtobufFamilies"/>).</summary>
    public void WriteProtobufTo(IBufferWriter<byte> output) => Render(output, ProtobufFamilies.Write);

    private void Render(IBufferWriter<byte> output, Action<IBufferWriter<byte>, MetricValues> write)
    {
        if (!Restored)
        {
            return;
        }
        // One copy kept for renderings (they run one at a time, and a copy of only what is used costs far less
        // than new arrays for every label set the cap allows), so the lock is held for the copy, not the rendering.
        lock (_renderLock)
        {
            _rendered ??= new MetricValues(Layout);
            lock (_lock)
            {
                _published.CopyTo(_rendered);
            }
            write(output, _rendered);
        }
    }

    private readonly Lock _renderLock = new();
    private MetricValues? _rendered;
}
