namespace Sidecars.Watcher.Parsing;

/// <summary>Why a line did not match the format; each value is also a metric label (<see cref="ParseFailureNames"/>).</summary>
internal enum ParseFailure
{
    None = 0,
    /// <summary>Literal text of the format (a quote, a space, a bracket...) was not where the format puts it.</summary>
    LiteralMismatch,
    /// <summary>A numeric variable ($status, $body_bytes_sent, $request_time...) held something else.</summary>
    BadNumber,
    /// <summary>The line ended before the format did.</summary>
    Truncated,
    /// <summary>The format ended before the line did.</summary>
    TrailingData,
    /// <summary>$request was not "METHOD TARGET PROTOCOL" and not a bare method or "-".</summary>
    BadRequest,
}

internal static class ParseFailureNames
{
    /// <summary>The <c>reason</c> label value, snake_case.</summary>
    public static string Label(this ParseFailure failure) => failure switch
    {
        ParseFailure.None => "none",
        ParseFailure.LiteralMismatch => "literal_mismatch",
        ParseFailure.BadNumber => "bad_number",
        ParseFailure.Truncated => "truncated",
        ParseFailure.TrailingData => "trailing_data",
        ParseFailure.BadRequest => "bad_request",
        _ => "other",
    };
}

/// <summary>Where and why a line failed: the reason, the format element (e.g. <c>$status</c> or the literal <c>" "</c>) and the 0-based byte offset in the line.</summary>
internal readonly record struct ParseError(ParseFailure Reason, string Element, int BytePosition);
