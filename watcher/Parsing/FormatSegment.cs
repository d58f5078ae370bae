namespace Sidecars.Watcher.Parsing;

/// <summary>
/// A variable of a <see cref="LogFormat"/> and the literal after it (null when the variable ends the format), and how
/// the variable's value goes into an <see cref="AccessLogRecord"/>.
/// </summary>
internal sealed record FormatSegment(FormatField Field, string VariableElement, byte[]? Literal, string LiteralElement, bool SkipEscapedQuote)
{
    /// <summary>Where the value's range goes in <see cref="AccessLogRecord.Captures"/>; -1: not captured.</summary>
    public int Capture { get; init; } = -1;

    /// <summary>
    /// Puts the variable's <paramref name="value"/> (at <paramref name="position"/> in the line) into the record, or into
    /// <paramref name="fallbacks"/> when it only fills a field another variable did not. False, with <paramref name="error"/>, for a bad number or request.
    /// </summary>
    public bool TryApply(ReadOnlySpan<byte> value, int position, ref AccessLogRecord record, ref FallbackFields fallbacks, out ParseError error)
    {
        error = default;
        bool absent = value.IsEmpty || (value.Length == 1 && value[0] == (byte)'-');
        switch (Field)
        {
            case FormatField.Request:
                return FieldValues.SplitRequest(value, position, VariableElement, ref record, out error);
            case FormatField.Status:
                if (!absent)
                {
                    if (!FieldValues.TryParseInteger(value, out long status) || status > 999)
                    {
                        return BadNumber(value, position, out error);
                    }

                    record.Status = (int)status;
                }

                return true;
            case FormatField.BodyBytesSent or FormatField.BytesSent or FormatField.RequestLength:
                if (!absent)
                {
                    if (!FieldValues.TryParseInteger(value, out long size))
                    {
                        return BadNumber(value, position, out error);
                    }

                    if (Field == FormatField.BodyBytesSent) record.BodyBytesSent = size;
                    else if (Field == FormatField.BytesSent) record.BytesSent = size;
                    else record.RequestLength = size;
                }

                return true;
            case FormatField.RequestTime:
                if (!absent)
                {
                    if (!FieldValues.TryParseSeconds(value, out double seconds))
                    {
                        return BadNumber(value, position, out error);
                    }

                    record.RequestTime = seconds;
                }

                return true;
            case FormatField.UpstreamResponseTime or FormatField.UpstreamConnectTime or FormatField.UpstreamHeaderTime:
                if (!absent)
                {
                    if (!FieldValues.TryParseUpstreamSeconds(value, out double sum))
                    {
                        return BadNumber(value, position, out error);
                    }

                    if (Field == FormatField.UpstreamResponseTime) record.UpstreamResponseTime = sum;
                    else if (Field == FormatField.UpstreamConnectTime) record.UpstreamConnectTime = sum;
                    else record.UpstreamHeaderTime = sum;
                }

                return true;
        }

        if (absent)
        {
            return true;
        }

        switch (Field)
        {
            case FormatField.RequestMethod: fallbacks.RequestMethod = value; break;
            case FormatField.RequestUri: fallbacks.RequestUri = value; break;
            case FormatField.Uri: fallbacks.Uri = value; break;
            case FormatField.ServerProtocol: fallbacks.ServerProtocol = value; break;
            case FormatField.UpstreamCacheStatus: record.UpstreamCacheStatus = value; break;
            case FormatField.Host: record.Host = value; break;
            case FormatField.ServerName: record.ServerName = value; break;
            case FormatField.Scheme: record.Scheme = value; break;
        }

        return true;
    }

    private bool BadNumber(ReadOnlySpan<byte> value, int position, out ParseError error)
    {
        error = new ParseError(ParseFailure.BadNumber, VariableElement, position) { Length = value.Length };
        return false;
    }
}
