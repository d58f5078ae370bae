using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Maps a request (its path, and its <c>$host</c> for routes that name one) to a route value id: the
/// first route that matches wins, none matching is <c>other</c> (<see cref="LabelValues.OtherId"/>). The
/// query string is ignored. A route is a <see cref="PathPattern"/> (prefix or glob) or a regex on the
/// path, either optionally with a regex on the host. Its value is its name, or for a regex route with a
/// replacement the replacement, expanded with the groups of the match when it refers to any; such a
/// route has at most <c>MaxValues</c> values, and every value beyond counts under the route's name.
/// All values, in one <see cref="LabelValues"/>: the fixed ones in route order at start, then expanded
/// ones as they appear. Only a replacement with group references allocates (the path as a string, the
/// match). Routes see at most the first <see cref="MaxPathBytes"/> of the path and of the host; regexes run
/// in linear time (<see cref="RegexOptions.NonBacktracking"/>) and globs in O(path × pattern), and what each
/// route costs on the hardest paths for it is measured at start (<see cref="RouteCost"/>), so no path can
/// stall the tailer. One thread matches (the tailer's); any thread may read the values.
/// </summary>
internal sealed class RouteTable
{
    public const string Other = LabelValues.Other;

    /// <summary>The most route values in all (fixed ones plus the caps of the expanding routes, see <see cref="ValuesNeeded"/>).</summary>
    public const int MaxValues = 500;

    /// <summary>How many values one expanding route may produce unless it says otherwise.</summary>
    public const int DefaultMaxValues = 50;

    /// <summary>
    /// Routes see at most this many bytes of a path (without its query) and of a host: a longer one is matched on
    /// its first 1 KiB, far beyond where routes tell paths apart. A regex's cost grows with what it reads (a
    /// replacement whose group takes the whole path costs about 70 µs a KiB), so this bounds what one line can
    /// cost whatever its length (8 KiB in nginx by default).
    /// </summary>
    public const int MaxPathBytes = 1024;

    // Paths and hosts up to this many bytes are decoded on the stack, longer ones into a pooled array.
    private const int StackChars = 512;

    private readonly Route[] _routes;
    private readonly LabelValues _values;
    private readonly bool _decodesPath;
    private readonly bool _decodesHost;
    private readonly RouteCache? _cache;

    /// <param name="routes">The routes in order.</param>
    /// <param name="remember">Remember the value of paths seen before (<see cref="RouteCache"/>); false only to compare in tests.</param>
    public RouteTable(IReadOnlyList<RouteOptions> routes, bool remember = true)
    {
        var fixedValues = new List<string>();
        int expanding = 0;
        foreach (var options in routes)
        {
            var replacement = ReplacementOf(options);
            // An expanding route's name is where its values beyond its cap go.
            fixedValues.Add(replacement is { HasGroups: false } ? replacement.Constant : options.Name);
            if (replacement is { HasGroups: true })
            {
                expanding += options.MaxValues;
            }
        }
        _values = new LabelValues(fixedValues.Distinct(StringComparer.Ordinal).Count(v => v != Other) + expanding);
        _routes = [.. routes.Select(NewRoute)];
        _decodesPath = _routes.Any(r => r.Regex is not null);
        _decodesHost = _routes.Any(r => r.Host is not null);
        // Only regexes cost enough to be worth remembering: a prefix or a glob is matched as fast as it is looked up.
        _cache = remember && (_decodesPath || _decodesHost) ? new RouteCache() : null;
    }

    public static RouteTable FromOptions(IEnumerable<RouteOptions> routes) => new(routes.ToList());

    /// <summary>False with no routes configured: then there is no <c>route</c> label and every request is <c>other</c>.</summary>
    public bool Enabled => _routes.Length > 0;

    /// <summary>Ids handed out so far (<c>other</c> included): 0 to ValueCount - 1. Grows while running.</summary>
    public int ValueCount => _values.Count;

    /// <summary>The most ids there can ever be (for sizing arrays).</summary>
    public int ValueCapacity => _values.Capacity;

    /// <summary>Matches whose value counted under the route's name because the route had all the values it may have.</summary>
    public long ValuesOverflowed { get; private set; }

    /// <summary>Receives a path that no route matched, perhaps with its query (valid during the call only).</summary>
    public delegate void PathHandler(ReadOnlySpan<byte> path);

    /// <summary>When set (once mode: the paths to write routes for), called with every path no route matches.</summary>
    public PathHandler? OnUnmatched { get; set; }

    /// <summary>The label value of an id below <see cref="ValueCount"/>.</summary>
    public string ValueName(int id) =>
        (uint)id < (uint)_values.Count ? _values[id] : throw new ArgumentOutOfRangeException(nameof(id), id, "no such route value");

    /// <summary>
    /// The id of a saved value (restoring state): its id when known, else a new one while there is room,
    /// else <c>other</c>. Without routes everything is <c>other</c>.
    /// </summary>
    public int Intern(string value)
    {
        if (!Enabled || Encoding.UTF8.GetByteCount(value) > LabelValues.MaxValueBytes)
        {
            return LabelValues.OtherId;
        }
        _cache?.Clear(); // a value that exists now may be taken by a route where a path fell beyond its cap before
        return _values.Intern(value);
    }

    /// <summary>The route value id of a request; allocates only for a replacement with group references, on a path not seen lately.</summary>
    public int Match(ReadOnlySpan<byte> path, ReadOnlySpan<byte> host)
    {
        if (_routes.Length == 0)
        {
            OnUnmatched?.Invoke(path); // with its query: the handler takes it off, on its own thread in once mode
            return LabelValues.OtherId;
        }
        int query = path.IndexOfAny((byte)'?', (byte)'#');
        if (query >= 0)
        {
            path = path[..query];
        }
        ReadOnlySpan<byte> fullPath = path;
        path = path[..Math.Min(path.Length, MaxPathBytes)];
        host = _decodesHost ? host[..Math.Min(host.Length, MaxPathBytes)] : default;
        int id;
        bool overflowed;
        if (_cache is null || !_cache.TryGet(path, host, out id, out overflowed))
        {
            long overflowsBefore = ValuesOverflowed;
            id = MatchRoutes(path, host);
            overflowed = ValuesOverflowed != overflowsBefore;
            _cache?.Add(path, host, id, overflowed);
        }
        else if (overflowed)
        {
            ValuesOverflowed++;
        }
        if (id < 0)
        {
            OnUnmatched?.Invoke(fullPath);
            return LabelValues.OtherId;
        }
        return id;
    }

    /// <summary>The first route's value id for the path (without query, cut to <see cref="MaxPathBytes"/>) and host; -1 when none matches.</summary>
    [SkipLocalsInit]
    private int MatchRoutes(ReadOnlySpan<byte> path, ReadOnlySpan<byte> host)
    {
        // Decoded to UTF-16 for the regexes only when a regex route is reached, at most once per request.
        var pathText = new DecodedText(path, _decodesPath ? stackalloc char[StackChars] : default);
        var hostText = new DecodedText(host, _decodesHost ? stackalloc char[StackChars] : default);
        int id = -1;
        foreach (var route in _routes)
        {
            if (route.Pattern is not null
                ? !route.Pattern.Matches(path)
                : !path.StartsWith(route.Regex!.Prefix) || !route.Regex.Regex.IsMatch(pathText.Chars))
            {
                continue;
            }
            if (route.Host is not null && (!host.StartsWith(route.Host.Prefix) || !route.Host.Regex.IsMatch(hostText.Chars)))
            {
                continue;
            }
            id = route.Replacement is null ? route.ValueId : Expand(route, pathText.Chars);
            break;
        }
        pathText.Dispose();
        hostText.Dispose();
        return id;
    }

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>Null when the pattern is usable, else what is wrong with it.</summary>
    public static string? PatternProblem(string? pattern) => PathPattern.Problem(pattern);

    /// <summary>Null when <paramref name="pattern"/> compiles for linear-time matching, else why not (with the position for a syntax error).</summary>
    public static string? RegexProblem(string pattern) => RouteRegex.Problem(pattern);

    /// <summary>Null when the replacement fits the regex (both valid), else what is wrong with it.</summary>
    public static string? ReplacementProblem(string regex, string replacement)
    {
        var parsed = RouteReplacement.Parse(replacement, new Regex(regex, RouteRegex.Options), out string? problem);
        if (parsed is { HasGroups: false } && Encoding.UTF8.GetByteCount(parsed.Constant) > LabelValues.MaxValueBytes)
        {
            return $"is longer than {LabelValues.MaxValueBytes} bytes: it is a label value";
        }
        return problem;
    }

    /// <summary>
    /// The route values counted against <see cref="MaxValues"/>: each name or constant replacement of a route with one
    /// value, and each replacement with groups its MaxValues. The name of a route with groups, where its values beyond
    /// its cap go, is not counted, as <c>other</c> is not: a route with MaxValues 500 alone has room.
    /// </summary>
    public static int ValuesNeeded(IReadOnlyList<RouteOptions> routes) =>
        routes.Where(r => !Expands(r)).Select(r => ReplacementOf(r)?.Constant ?? r.Name).Where(v => v != Other).Distinct(StringComparer.Ordinal).Count()
        + routes.Where(Expands).Sum(r => r.MaxValues);

    /// <summary>True when the route's values come from the path (a replacement with group references): bounded by its MaxValues, not known in advance.</summary>
    public static bool Expands(RouteOptions route) => ReplacementOf(route) is { HasGroups: true };

    private static RouteReplacement? ReplacementOf(RouteOptions options) =>
        string.IsNullOrEmpty(options.Regex) || string.IsNullOrEmpty(options.Replacement)
            ? null
            : RouteReplacement.Parse(options.Replacement, new Regex(options.Regex, RouteRegex.Options), out _)
                ?? throw new ArgumentException($"route {options.Name}: the replacement does not fit the regex", nameof(options));

    private Route NewRoute(RouteOptions options)
    {
        var replacement = ReplacementOf(options);
        bool expands = replacement is { HasGroups: true };
        return new Route
        {
            Pattern = string.IsNullOrEmpty(options.Regex) ? new PathPattern(Encoding.UTF8.GetBytes(options.Pattern ?? "")) : null,
            Regex = string.IsNullOrEmpty(options.Regex) ? null : new RouteRegex(options.Regex),
            Host = string.IsNullOrEmpty(options.Host) ? null : new RouteRegex(options.Host),
            ValueId = _values.Intern(replacement is { HasGroups: false } ? replacement.Constant : options.Name),
            Replacement = expands ? replacement : null,
            MaxValues = options.MaxValues,
            Owned = expands ? new bool[_values.Capacity] : null,
        };
    }

    /// <summary>The expanded value of an expanding route, within its cap: else its name's id.</summary>
    [SkipLocalsInit]
    private int Expand(Route route, ReadOnlySpan<char> path)
    {
        // IsMatch succeeded; the groups need a Match, and a Match needs the path as a string.
        var match = route.Regex!.Regex.Match(path.ToString());
        Span<char> buffer = stackalloc char[LabelValues.MaxValueBytes];
        int length = route.Replacement!.Expand(match, buffer);
        var value = buffer[..Math.Max(length, 0)];
        if (length <= 0 || Encoding.UTF8.GetByteCount(value) > LabelValues.MaxValueBytes)
        {
            return route.ValueId; // empty or too long for a label value
        }
        int id = _values.Find(value);
        if (id == LabelValues.OtherId || (id > 0 && route.Owned![id]))
        {
            return id;
        }
        if (route.OwnedCount >= route.MaxValues)
        {
            ValuesOverflowed++;
            return route.ValueId;
        }
        if (id < 0)
        {
            id = _values.Intern(value.ToString());
            if (id == LabelValues.OtherId)
            {
                // No room left: restored values of an earlier configuration took it.
                ValuesOverflowed++;
                return route.ValueId;
            }
        }
        route.Owned![id] = true;
        route.OwnedCount++;
        return id;
    }

    private sealed class Route
    {
        public PathPattern? Pattern;
        public RouteRegex? Regex;
        public RouteRegex? Host;

        /// <summary>The route's one value, or for an expanding route the one beyond its cap: its name.</summary>
        public int ValueId;

        /// <summary>Set only when the replacement refers to groups.</summary>
        public RouteReplacement? Replacement;
        public int MaxValues;

        /// <summary>Which value ids this route produced (indexed by id), and how many.</summary>
        public bool[]? Owned;
        public int OwnedCount;
    }

    /// <summary>UTF-8 bytes decoded to UTF-16 on first use, into the caller's stack buffer or a pooled array when longer.</summary>
    private ref struct DecodedText(ReadOnlySpan<byte> utf8, Span<char> stack)
    {
        private readonly ReadOnlySpan<byte> _utf8 = utf8;
        private Span<char> _buffer = stack;
        private char[]? _rented;
        private int _length = -1;

        public ReadOnlySpan<char> Chars
        {
            get
            {
                if (_length < 0)
                {
                    // UTF-8 never decodes to more chars than bytes (invalid bytes become one U+FFFD each).
                    if (_utf8.Length > _buffer.Length)
                    {
                        _rented = ArrayPool<char>.Shared.Rent(_utf8.Length);
                        _buffer = _rented;
                    }
                    _length = Encoding.UTF8.GetChars(_utf8, _buffer);
                }
                return _buffer[.._length];
            }
        }

        public readonly void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<char>.Shared.Return(_rented);
            }
        }
    }
}
