namespace Sidecars.Watcher.Parsing;

/// <summary>
/// The fields of one access-log line that feed metrics, as <see cref="LogFormat.TryParse"/> fills them.
/// Spans point into the line as logged (nginx escapes such as <c>\x22</c> left as they are) and are
/// valid only until the next line. A field the format does not have, or that nginx logged as
/// <c>-</c>, is empty (spans), -1 (integers) or NaN (times).
/// </summary>
internal ref struct AccessLogRecord
{
    /// <summary>From <c>$request_method</c>, else the first word of <c>$request</c>.</summary>
    public ReadOnlySpan<byte> Method;

    /// <summary>From <c>$request</c> (second word), else <c>$request_uri</c>, else <c>$uri</c>; query string included when logged.</summary>
    public ReadOnlySpan<byte> Path;

    /// <summary>From <c>$request</c> (third word) or <c>$server_protocol</c>.</summary>
    public ReadOnlySpan<byte> Protocol;

    /// <summary><c>$status</c>, 100..999; -1 when absent.</summary>
    public int Status;

    /// <summary><c>$body_bytes_sent</c>.</summary>
    public long BodyBytesSent;

    /// <summary><c>$bytes_sent</c>.</summary>
    public long BytesSent;

    /// <summary><c>$request_length</c>.</summary>
    public long RequestLength;

    /// <summary><c>$request_time</c> in seconds.</summary>
    public double RequestTime;

    /// <summary><c>$upstream_response_time</c> in seconds, all values of <c>a, b : c</c> added up; NaN when every value is <c>-</c>.</summary>
    public double UpstreamResponseTime;

    /// <summary><c>$upstream_connect_time</c>, summed like <see cref="UpstreamResponseTime"/>.</summary>
    public double UpstreamConnectTime;

    /// <summary><c>$upstream_header_time</c>, summed like <see cref="UpstreamResponseTime"/>.</summary>
    public double UpstreamHeaderTime;

    /// <summary><c>$upstream_cache_status</c> (HIT, MISS, ...).</summary>
    public ReadOnlySpan<byte> UpstreamCacheStatus;

    /// <summary><c>$host</c>.</summary>
    public ReadOnlySpan<byte> Host;

    /// <summary><c>$server_name</c>.</summary>
    public ReadOnlySpan<byte> ServerName;

    /// <summary><c>$scheme</c>.</summary>
    public ReadOnlySpan<byte> Scheme;

    /// <summary>
    /// Where the values of the variables a format captures (<see cref="LogFormat.WithCaptures"/>) are in the line;
    /// the caller provides the room (empty when the format captures nothing).
    /// </summary>
    public Span<Range> Captures;

    /// <summary>Sets every field to "absent" (captured ranges too; the room for them stays).</summary>
    public void Clear()
    {
        if (!Captures.IsEmpty)
        {
            Captures.Clear();
        }
        Method = default;
        Path = default;
        Protocol = default;
        Status = -1;
        BodyBytesSent = -1;
        BytesSent = -1;
        RequestLength = -1;
        RequestTime = double.NaN;
        UpstreamResponseTime = double.NaN;
        UpstreamConnectTime = double.NaN;
        UpstreamHeaderTime = double.NaN;
        UpstreamCacheStatus = default;
        Host = default;
        ServerName = default;
        Scheme = default;
    }
}
