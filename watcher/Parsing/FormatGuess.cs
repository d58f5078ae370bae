namespace Sidecars.Watcher.Parsing;

/// <summary>
/// Which built-in format a log's lines look like, when they do not match the configured one: the most
/// frequent nginx support question ("only parse errors show up") is a log in <c>combined</c> read as
/// <c>main</c> or the reverse. Pure: tries the formats on sample lines, no I/O.
/// </summary>
internal static class FormatGuess
{
    /// <summary>
    /// The built-in format (other than <paramref name="configured"/>) that parses more than half of
    /// <paramref name="malformedLines"/> (the first lines the configured format rejected), or null.
    /// </summary>
    public static LogFormat? LikelyBuiltIn(LogFormat configured, IReadOnlyCollection<byte[]> malformedLines)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(malformedLines);
        if (malformedLines.Count == 0)
        {
            return null;
        }
        LogFormat? best = null;
        int bestParsed = 0;
        foreach (var candidate in LogFormat.BuiltIns)
        {
            if (candidate.Text == configured.Text && candidate.Escape == configured.Escape)
            {
                continue;
            }
            int parsed = 0;
            foreach (byte[] line in malformedLines)
            {
                var record = default(AccessLogRecord);
                if (candidate.TryParse(line, ref record, out _))
                {
                    parsed++;
                }
            }
            if (parsed > bestParsed)
            {
                (best, bestParsed) = (candidate, parsed);
            }
        }
        return bestParsed * 2 > malformedLines.Count ? best : null;
    }

    /// <summary>What to do about JSON lines read with a format nginx does not escape as JSON (after "looks like JSON: ").</summary>
    public const string JsonHint =
        "use escape=json and a JSON log_format: set Watcher:Format to nginx's log_format after its name, e.g. escape=json '{\"status\":\"$status\",...}'";

    /// <summary>
    /// Whether <paramref name="line"/> looks like a JSON object (its first non-blank byte is <c>{</c>) while
    /// <paramref name="configured"/> is no <c>escape=json</c> format: nginx wrote JSON, the watcher expects something else.
    /// </summary>
    public static bool LooksLikeJson(LogFormat configured, ReadOnlySpan<byte> line)
    {
        ArgumentNullException.ThrowIfNull(configured);
        return configured.Escape != LogEscape.Json && line.TrimStart(" \t"u8).StartsWith("{"u8);
    }

    /// <summary>
    /// Where and why <paramref name="line"/> failed to match <paramref name="configured"/>, with the JSON hint when it
    /// looks like JSON (<see cref="LooksLikeJson"/>). Allocates: call it rarely.
    /// </summary>
    public static string Describe(LogFormat configured, ReadOnlySpan<byte> line, ParseError error) =>
        LooksLikeJson(configured, line) ? $"{error.Describe(line)}; the line looks like JSON: {JsonHint}" : error.Describe(line);

    /// <summary>Whether more than half of <paramref name="malformedLines"/> look like JSON (<see cref="LooksLikeJson(LogFormat, ReadOnlySpan{byte})"/>).</summary>
    public static bool MostLookLikeJson(LogFormat configured, IReadOnlyCollection<byte[]> malformedLines)
    {
        ArgumentNullException.ThrowIfNull(malformedLines);
        int json = malformedLines.Count(line => LooksLikeJson(configured, line));
        return json > 0 && json * 2 > malformedLines.Count;
    }
}
