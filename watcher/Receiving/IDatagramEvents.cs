using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.Receiving;

/// <summary>
/// What <see cref="SyslogReceiver"/> tells besides the lines: datagrams that are not syslog, the kernel's drops,
/// and the checkpoints (no positions: the bytes received since the last one).
/// </summary>
internal interface IDatagramEvents : ICheckpointSink
{
    /// <summary>A datagram without a syslog header was skipped.</summary>
    void OnNotSyslog();

    /// <summary>The kernel dropped <paramref name="count"/> more datagrams because the receive buffer was full.</summary>
    void OnDropped(long count);
}
