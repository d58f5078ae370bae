using System.Globalization;
using System.Text;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher;

/// <summary>
/// <c>Watcher:Exclude</c>: lines dropped before the request metrics (kubelet probes, health checks), counted in
/// <c>watcher_lines_total{result="excluded"}</c>. A rule matches when all it names match: the user agent (a glob,
/// <c>*</c> any run of bytes), the path (a prefix or a glob, as routes; the query ignored) and the status (a code
/// or a class such as <c>4xx</c>). A line matching any rule is excluded. Allocation-free.
/// </summary>
internal sealed class LineFilter
{
    private readonly Rule[] _rules;

    public LineFilter(IReadOnlyList<ExcludeOptions> rules, int userAgentCapture)
    {
        _rules = [.. rules.Select(r => new Rule(
            r.UserAgent is { Length: > 0 } ua ? Encoding.UTF8.GetBytes(ua) : null,
            r.Path is { Length: > 0 } path ? new RouteTable([new RouteOptions { Name = "excluded", Pattern = path }]) : null,
            r.Status is { Length: > 0 } status ? ParseStatus(status) : null))];
        UserAgentCapture = userAgentCapture;
    }

    /// <summary>Where the user agent is in <see cref="AccessLogRecord.Captures"/>; -1 when no rule needs it.</summary>
    public int UserAgentCapture { get; }

    public bool IsEmpty => _rules.Length == 0;

    /// <summary>Whether any rule needs <c>$http_user_agent</c>.</summary>
    public static bool NeedsUserAgent(IReadOnlyList<ExcludeOptions> rules) => rules.Any(r => !string.IsNullOrEmpty(r.UserAgent));

    public bool Excludes(ref AccessLogRecord record, ReadOnlySpan<byte> line)
    {
        foreach (var rule in _rules)
        {
            if ((rule.UserAgent is null || Glob(rule.UserAgent, UserAgentCapture >= 0 ? line[record.Captures[UserAgentCapture]] : default))
                && (rule.Path is null || rule.Path.Match(record.Path, record.Host) != LabelValues.OtherId)
                && (rule.Status is not { } status || status.Matches(record.Status)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Null when <paramref name="status"/> is a code (100 to 599) or a class (1xx to 5xx), else what is wrong.</summary>
    public static string? StatusProblem(string status) =>
        ParseStatus(status) is null ? "must be a status code (100 to 599) or a class (1xx to 5xx)" : null;

    private static StatusMatch? ParseStatus(string status) => status switch
    {
        [>= '1' and <= '5', 'x' or 'X', 'x' or 'X'] => new StatusMatch(status[0] - '0', Class: true),
        _ when int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out int code) && code is >= 100 and <= 599 && status.Length == 3
            => new StatusMatch(code, Class: false),
        _ => null,
    };

    /// <summary><c>*</c> matches any run of bytes, everything else itself.</summary>
    private static bool Glob(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> value)
    {
        int star = pattern.IndexOf((byte)'*');
        if (star < 0)
        {
            return pattern.SequenceEqual(value);
        }
        if (!value.StartsWith(pattern[..star]))
        {
            return false;
        }
        var rest = pattern[(star + 1)..];
        value = value[star..];
        for (int i = 0; i <= value.Length; i++)
        {
            if (Glob(rest, value[i..]))
            {
                return true;
            }
        }
        return false;
    }

    private sealed record Rule(byte[]? UserAgent, RouteTable? Path, StatusMatch? Status);

    private readonly record struct StatusMatch(int Value, bool Class)
    {
        public bool Matches(int status) => Class ? status / 100 == Value : status == Value;
    }
}
