namespace Sidecars.Hosting;

/// <summary>"Did you mean ...?" for a mistyped name: the closest known name within a small edit distance.</summary>
public static class Suggestions
{
    /// <summary>
    /// The name in <paramref name="known"/> closest to <paramref name="typed"/> (ignoring case), if at most two
    /// edits (insert, delete, replace, swap of neighbours) away and closer than any other; otherwise null.
    /// </summary>
    public static string? Closest(string typed, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(known);
        string? best = null;
        int bestDistance = int.MaxValue;
        bool tie = false;
        foreach (string candidate in known)
        {
            int distance = Distance(typed.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance, tie) = (candidate, distance, false);
            }
            else if (distance == bestDistance && !string.Equals(best, candidate, StringComparison.OrdinalIgnoreCase))
            {
                tie = true;
            }
        }
        return bestDistance <= 2 && !tie ? best : null;
    }

    /// <summary>Optimal string alignment distance: Levenshtein plus the swap of two neighbours as one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
