namespace Sidecars.Watcher.Parsing;

/// <summary>Where and why a line failed: the reason, the format element (e.g. <c>$status</c> or the literal <c>" "</c>) and the 0-based byte offset in the line.</summary>
internal readonly record struct ParseError(ParseFailure Reason, string Element, int BytePosition)
{
    private const int ExcerptBytes = 32;
    private const int FoundBytes = 40;

    /// <summary>How many bytes from <see cref="BytePosition"/> the failure concerns (the bad value, the trailing data...); 0 when it is a point.</summary>
    public int Length { get; init; }

    /// <summary>
    /// A human line for logs, e.g. <c>bad_number at byte 57 in $status: expected digits, found "abc"; line, &gt;&gt; marking byte 57: "...\"GET / HTTP/1.1\" &gt;&gt;abc 512..."</c>
    /// (<c>&gt;&gt;</c> marks the failure position, as the text says; the excerpt is bounded and escaped). Allocates: call it rarely.
    /// </summary>
    public string Describe(ReadOnlySpan<byte> line)
    {
        int position = Math.Clamp(BytePosition, 0, line.Length);
        int length = Math.Clamp(Length, 0, line.Length - position);
        ReadOnlySpan<byte> found = line.Slice(position, length);
        string detail = Reason switch
        {
            ParseFailure.BadNumber => $"expected {ExpectedNumber(Element)}, found {Quote(found, FoundBytes)}",
            ParseFailure.LiteralMismatch => $"expected {Element}, found {Quote(line[position..], Math.Max(length, 1))}",
            ParseFailure.Truncated => $"the line ended after {line.Length} bytes, expected {Element}",
            ParseFailure.TrailingData => $"the format ended, {line.Length - position} more bytes: {Quote(line[position..], FoundBytes)}",
            ParseFailure.BadRequest => $"expected \"METHOD TARGET PROTOCOL\", found {Quote(found, FoundBytes)}",
            _ => "no error",
        };
        return $"{Reason.Label()} at byte {BytePosition} in {Element}: {detail}; line, >> marking byte {position}: {Excerpt(line, position)}";
    }

    private static string ExpectedNumber(string element) => element switch
    {
        "$request_time" => "seconds like 0.123",
        "$upstream_response_time" or "$upstream_connect_time" or "$upstream_header_time" => "seconds like 0.012 or 0.010, 0.002 : 0.001",
        _ => "digits",
    };

    /// <summary>Up to <paramref name="max"/> bytes in double quotes, "..." when cut.</summary>
    private static string Quote(ReadOnlySpan<byte> bytes, int max)
    {
        var builder = new System.Text.StringBuilder().Append('"');
        AppendEscaped(builder, bytes[..Math.Min(bytes.Length, max)]);
        if (bytes.Length > max)
        {
            builder.Append("...");
        }

        return builder.Append('"').ToString();
    }

    /// <summary>The line around <paramref name="position"/>, at most <see cref="ExcerptBytes"/> bytes on either side.</summary>
    private static string Excerpt(ReadOnlySpan<byte> line, int position)
    {
        int start = Math.Max(0, position - ExcerptBytes);
        int end = Math.Min(line.Length, position + ExcerptBytes);
        var builder = new System.Text.StringBuilder().Append('"');
        if (start > 0)
        {
            builder.Append("...");
        }

        AppendEscaped(builder, line[start..position]);
        builder.Append(">>");
        AppendEscaped(builder, line[position..end]);
        if (end < line.Length)
        {
            builder.Append("...");
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Printable ASCII as is (a quote as <c>\"</c>), every other byte as <c>\xXX</c>, like nginx's own escaping.</summary>
    private static void AppendEscaped(System.Text.StringBuilder builder, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b == (byte)'"')
            {
                builder.Append("\\\"");
            }
            else if (b is >= 0x20 and < 0x7F)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append("\\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
