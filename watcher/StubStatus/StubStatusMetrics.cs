using System.Buffers;
using Sidecars.Hosting;

namespace Sidecars.Watcher.StubStatus;

/// <summary>
/// The stub_status metrics on /metrics: the poller's last reading, rendered. A scrape never waits for nginx;
/// with no <c>Watcher:StubStatusUrl</c> it writes nothing at all.
/// </summary>
internal sealed class StubStatusMetrics(StubStatusPoller poller) : IMetricsSource
{
    /// <summary>Grows with every reading of stub_status.</summary>
    public long Version => poller.Readings;

    public void WriteTo(IBufferWriter<byte> output)
    {
        if (!poller.Enabled)
        {
            return;
        }
        StubStatusExposition.Write(output, poller.Latest);
    }
}
