namespace Sidecars.Watcher.Parsing;

/// <summary>How nginx escapes variable values in the log (<c>log_format NAME escape=...</c>).</summary>
internal enum LogEscape
{
    /// <summary><c>"</c>, <c>\</c>, bytes below 0x20 and from 0x7F written as <c>\xXX</c>.</summary>
    Default = 0,
    /// <summary>JSON string escapes: <c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\u00XX</c>; other bytes as they are.</summary>
    Json,
    /// <summary>Nothing escaped: a quote inside a value cannot be told from a delimiter.</summary>
    None,
}
