namespace Sidecars.Watcher.Receiving;

/// <summary>
/// How <see cref="SyslogReceiver"/> receives: on <see cref="Address"/>, with a kernel receive buffer of
/// <see cref="ReceiveBufferBytes"/> (SO_RCVBUF; the kernel caps it at <c>net.core.rmem_max</c> and doubles it),
/// datagrams longer than <see cref="MaxMessageBytes"/> counted as too long, a Unix socket created with
/// <see cref="SocketMode"/>, and values published at least once per <see cref="ReadInterval"/>.
/// </summary>
internal sealed record ReceiverSettings(
    ListenAddress Address,
    int ReceiveBufferBytes,
    int MaxMessageBytes,
    UnixFileMode SocketMode,
    TimeSpan ReadInterval);
