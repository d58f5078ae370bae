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
