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

    private static bool Glob(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> path)
    {
        while (true)
        {
            if (pattern.StartsWith("**"u8))
            {
                return true;
            }
            if (pattern.IsEmpty)
            {
                return path.IsEmpty;
            }
            if (pattern[0] == '*')
            {
                // '*' takes any run of non-'/' bytes: try the shortest first.
                var rest = pattern[1..];
                for (int i = 0; ; i++)
                {
                    if (Glob(rest, path[i..]))
                    {
                        return true;
                    }
                    if (i == path.Length || path[i] == '/')
                    {
                        return false;
                    }
                }
            }
            if (path.IsEmpty || path[0] != pattern[0])
            {
                return false;
            }
            pattern = pattern[1..];
            path = path[1..];
        }
    }
}
