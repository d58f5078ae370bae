namespace Sidecars.Watcher.Parsing;

/// <summary>Values that fill a record field only when a preferred source is missing (resolved after the whole line).</summary>
internal ref struct FallbackFields
{
    public ReadOnlySpan<byte> RequestMethod;
    public ReadOnlySpan<byte> RequestUri;
    public ReadOnlySpan<byte> Uri;
    public ReadOnlySpan<byte> ServerProtocol;

    /// <summary>
    /// Fills the record from them once the line is read: <c>$request_method</c> overrides <c>$request</c>'s method; a
    /// target <c>$request</c> did not give comes from <c>$request_uri</c>, else <c>$uri</c>; a protocol from <c>$server_protocol</c>.
    /// </summary>
    public readonly void FillIn(ref AccessLogRecord record)
    {
        if (!RequestMethod.IsEmpty)
        {
            record.Method = RequestMethod;
        }

        if (record.Path.IsEmpty)
        {
            record.Path = !RequestUri.IsEmpty ? RequestUri : Uri;
        }

        if (record.Protocol.IsEmpty)
        {
            record.Protocol = ServerProtocol;
        }
    }
}
