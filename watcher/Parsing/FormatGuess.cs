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
}
