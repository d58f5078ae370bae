namespace Sidecars.Watcher.Parsing;

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
