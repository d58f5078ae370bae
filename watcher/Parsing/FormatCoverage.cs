namespace Sidecars.Watcher.Parsing;

/// <summary>
/// What a format lets the watcher count, checked at start: a format without <c>$status</c> or without
/// <c>$request</c>/<c>$request_method</c> is accepted with a warning (every request would count as
/// <c>status="other"</c> or <c>method="other"</c>); one with none of the variables that feed a metric is
/// rejected, since it could only count lines. Pure: no I/O.
/// </summary>
internal static class FormatCoverage
{
    /// <summary>The variables that feed a metric or a label.</summary>
    public static IReadOnlyList<string> CountedVariables { get; } =
    [
        "status", "request", "request_method", "body_bytes_sent", "bytes_sent", "request_length", "request_time",
        "upstream_response_time", "upstream_connect_time", "upstream_header_time", "upstream_cache_status",
    ];

    /// <summary>Why the format cannot be used (one line, without the setting's name), or null.</summary>
    public static string? Problem(LogFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        return CountedVariables.Any(format.HasVariable)
            ? null
            : "the format has none of the variables the watcher counts (" +
              string.Join(", ", CountedVariables.Select(v => "$" + v)) +
              "): every line would count as method=\"other\", status=\"other\"";
    }

    /// <summary>What the format will count poorly, one line each; empty for a format with a status and a method.</summary>
    public static IReadOnlyList<string> Warnings(LogFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var warnings = new List<string>();
        if (!format.HasVariable("status"))
        {
            warnings.Add("the format has no $status: every request counts as status=\"other\"");
        }
        if (!format.HasVariable("request") && !format.HasVariable("request_method"))
        {
            warnings.Add("the format has neither $request nor $request_method: every request counts as method=\"other\"");
        }
        return warnings;
    }
}
