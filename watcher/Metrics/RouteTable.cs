using System.Text;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Maps a request path to a route index without allocating: the first pattern that matches wins,
/// none matching is <see cref="OtherIndex"/>. The query string is ignored. A pattern without
/// <c>*</c> is a path prefix that ends at a segment boundary (<c>/api</c> matches <c>/api</c> and
/// <c>/api/x</c>, not <c>/apix</c>); with <c>*</c> it is a glob over the whole path: <c>*</c> inside
/// a segment matches any characters but <c>/</c>, a segment <c>**</c> matches the rest of the path.
/// </summary>
internal sealed class RouteTable
{
    public const string Other = "other";

    private readonly Pattern[] _patterns;

    public RouteTable(IReadOnlyList<(string Name, string Pattern)> routes)
    {
        _patterns = routes.Select(r => new Pattern(Encoding.UTF8.GetBytes(r.Pattern))).ToArray();
        Names = [.. routes.Select(r => r.Name), Other];
    }

    /// <summary>The route names in order, then <c>other</c>; empty when no routes are configured.</summary>
    public string[] Names { get; }

    public bool Enabled => _patterns.Length > 0;

    /// <summary>The index of <c>other</c> (also the number of configured routes).</summary>
    public int OtherIndex => _patterns.Length;

    /// <summary>Label values: the configured names then <c>other</c>.</summary>
    public int Count => _patterns.Length + 1;

    public static RouteTable FromOptions(IEnumerable<RouteOptions> routes) =>
        new(routes.Select(r => (r.Name, r.Pattern)).ToList());

    public int Match(ReadOnlySpan<byte> path)
    {
        int query = path.IndexOfAny((byte)'?', (byte)'#');
        if (query >= 0)
        {
            path = path[..query];
        }
        for (int i = 0; i < _patterns.Length; i++)
        {
            if (_patterns[i].Matches(path))
            {
                return i;
            }
        }
        return OtherIndex;
    }

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>Null when the pattern is usable, else what is wrong with it.</summary>
    public static string? PatternProblem(string? pattern)
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

    private sealed class Pattern(byte[] text)
    {
        private readonly byte[] _text = text;
        private readonly bool _glob = text.Contains((byte)'*');

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
}
