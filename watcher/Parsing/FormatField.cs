namespace Sidecars.Watcher.Parsing;

/// <summary>What a variable of a <see cref="LogFormat"/> feeds in <see cref="AccessLogRecord"/>.</summary>
internal enum FormatField : byte
{
    Ignored,
    Status,
    Request,
    RequestMethod,
    RequestUri,
    Uri,
    ServerProtocol,
    BodyBytesSent,
    BytesSent,
    RequestLength,
    RequestTime,
    UpstreamResponseTime,
    UpstreamConnectTime,
    UpstreamHeaderTime,
    UpstreamCacheStatus,
    Host,
    ServerName,
    Scheme,
}
