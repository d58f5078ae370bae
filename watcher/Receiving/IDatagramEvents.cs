namespace Sidecars.Watcher.Receiving;

/// <summary>What <see cref="SyslogReceiver"/> tells besides the lines: datagrams that are not syslog, and the kernel's drops.</summary>
internal interface IDatagramEvents
{
    /// <summary>A datagram without a syslog header was skipped.</summary>
    void OnNotSyslog();

    /// <summary>The kernel dropped <paramref name="count"/> more datagrams because the receive buffer was full.</summary>
    void OnDropped(long count);
}
