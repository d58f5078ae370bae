namespace Sidecars.Watcher.Metrics;

/// <summary>
/// A route's <c>Pattern</c>, matched on the UTF-8 path without allocating. Without <c>*</c> it is a path
/// prefix that ends at a segment boundary (<c>/api</c> matches <c>/api</c> and <c>/api/x</c>, not
/// <c>/apix</c>); with <c>*</c> it is a glob over the whole path: <c>*</c> inside a segment matches any
/// characters but <c>/</c>, a segment <c>**</c> matches the rest of the path.
/// </summary>
internal sealed class PathPattern(byte[] text)
{
    private readonly byte[] _text = text;
    private readonly bool _glob = text.Contains((byte)'*');

    /// <summary>Null when the pattern is usable, else what is wrong with it.</summary>
    public static string? Problem(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern) || pattern[0] != '/')
        {
            return "must start with /";
        }
        string[] segments = pattern.Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            if (segments[i].Contains("**", StringComparison.Ordinal) && (segments[i] != "**" || i != segments.Length - 1))
            {
                return "may use ** only as its last segment";
            }
        }
        return null;
    }

    public bool Matches(ReadOnlySpan<byte> path)
    {
        if (!_glob)
        {
            // A prefix that ends at a segment boundary.
            return path.StartsWith(_text)
                && (path.Length == _text.Length || _text[^1] == '/' || path[_text.Length] == '/');
        }
        return Glob(_text, path);
    }

    /// <summary>
    /// The glob segment by segment (a <c>*</c> never takes a <c>/</c>, so the pattern's and the path's segments pair
    /// up), each with one star to go back to: O(segment × its pattern) at worst, where trying each length for each
    /// <c>*</c> in turn took O(path^stars) (<c>/*a*a*a*b</c> against 400 <c>a</c>s: 8 s).
    /// </summary>
    private static bool Glob(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> path)
    {
        while (true)
        {
            int patternEnd = pattern.IndexOf((byte)'/');
            var patternSegment = patternEnd < 0 ? pattern : pattern[..patternEnd];
            if (patternEnd < 0 && patternSegment.SequenceEqual("**"u8))
            {
                return true; // the rest of the path, whatever it is
            }
            int pathEnd = path.IndexOf((byte)'/');
            if (!Segment(patternSegment, pathEnd < 0 ? path : path[..pathEnd]))
            {
                return false;
            }
            if (patternEnd < 0 || pathEnd < 0)
            {
                return patternEnd < 0 && pathEnd < 0;
            }
            pattern = pattern[(patternEnd + 1)..];
            path = path[(pathEnd + 1)..];
        }
    }

    /// <summary>One segment (no <c>/</c> in either): on a mismatch the last <c>*</c> takes one byte more, and earlier ones never need to.</summary>
    private static bool Segment(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, star = -1, starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starText = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
