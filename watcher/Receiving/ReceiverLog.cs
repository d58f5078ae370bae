using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Receiving;

/// <summary>The syslog receiver's log lines; their event ids are in <see cref="WatcherEvents"/>.</summary>
internal static partial class ReceiverLog
{
    [LoggerMessage(WatcherEvents.Listening, LogLevel.Information, "Receiving syslog messages on {Address} (nginx: access_log syslog:server={NginxServer}), receive buffer {BufferBytes} bytes, messages up to {MaxMessageBytes} bytes")]
    public static partial void Listening(ILogger logger, string address, string nginxServer, int bufferBytes, int maxMessageBytes);

    [LoggerMessage(WatcherEvents.BufferCapped, LogLevel.Warning, "Watcher:ReceiveBufferBytes asked for {Asked} bytes; the kernel gave {Given} (it caps SO_RCVBUF at net.core.rmem_max and doubles it)")]
    public static partial void BufferCapped(ILogger logger, int asked, int given);

    [LoggerMessage(WatcherEvents.NotSyslog, LogLevel.Warning, "Skipped a datagram that is not a syslog message: {Start} ({Suppressed} more since the last message; counted in watcher_messages_not_syslog_total)")]
    public static partial void NotSyslog(ILogger logger, string start, long suppressed);

    [LoggerMessage(WatcherEvents.Dropped, LogLevel.Warning, "The kernel dropped messages: the receive buffer ({BufferBytes} bytes) was full; {Dropped} dropped on this socket so far ({Suppressed} more since the last message; counted in watcher_messages_dropped_total)")]
    public static partial void Dropped(ILogger logger, long dropped, int bufferBytes, long suppressed);

    [LoggerMessage(WatcherEvents.ReceiveFailed, LogLevel.Warning, "Receiving failed: {Reason}; receiving on ({Suppressed} more since the last message)")]
    public static partial void ReceiveFailed(ILogger logger, string reason, long suppressed);
}
