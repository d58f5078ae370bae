using System.Text;
using System.Text.RegularExpressions;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// The replacement of a regex route, parsed once: literal text and group references, <c>${name}</c>,
/// <c>${3}</c> or <c>$3</c>, with <c>$$</c> for a <c>$</c>. Nothing else follows a <c>$</c> (.NET's
/// <c>$&amp;</c>, <c>$_</c>, <c>$`</c> and <c>$'</c> would put raw parts of the path around a value).
/// Without group references it is a constant, the route's one value.
/// </summary>
internal sealed class RouteReplacement
{
    // Literal text (Group < 0) or a group number, in order.
    private readonly (string Text, int Group)[] _parts;

    private RouteReplacement((string Text, int Group)[] parts, string constant)
    {
        _parts = parts;
        Constant = constant;
    }

    /// <summary>True when some part is a group: the value depends on the path.</summary>
    public bool HasGroups => _parts.Any(p => p.Group >= 0);

    /// <summary>The value when there are no groups (the literal text, <c>$$</c> unescaped).</summary>
    public string Constant { get; }

    /// <summary>Parses <paramref name="text"/> against the groups of <paramref name="regex"/>; null with <paramref name="problem"/> set when it cannot be used.</summary>
    public static RouteReplacement? Parse(string text, Regex regex, out string? problem)
    {
        var parts = new List<(string Text, int Group)>();
        var literal = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '$')
            {
                literal.Append(text[i]);
                continue;
            }
            string? name = null;
            int end = i + 1;
            if (end < text.Length && text[end] == '$')
            {
                literal.Append('$');
                i = end;
                continue;
            }
            if (end < text.Length && text[end] == '{')
            {
                int close = text.IndexOf('}', end);
                if (close > end + 1)
                {
                    name = text[(end + 1)..close];
                    end = close + 1;
                }
            }
            else
            {
                while (end < text.Length && char.IsAsciiDigit(text[end]))
                {
                    end++;
                }
                if (end > i + 1)
                {
                    name = text[(i + 1)..end];
                }
            }
            if (name is null)
            {
                problem = $"may refer to groups only as ${{name}} or $number, and needs $$ for a $ (at position {i})";
                return null;
            }
            // A number is a group's number (named groups are numbered after the unnamed ones), else a name.
            int group = name.All(char.IsAsciiDigit)
                ? (int.TryParse(name, out int number) && regex.GetGroupNumbers().Contains(number) ? number : -1)
                : regex.GroupNumberFromName(name);
            if (group < 0)
            {
                string groups = string.Join(", ", regex.GetGroupNames().Where(g => g != "0"));
                problem = $"names the group \"{name}\", which the Regex does not have ({(groups.Length == 0 ? "it has no groups" : $"its groups: {groups}")})";
                return null;
            }
            if (literal.Length > 0)
            {
                parts.Add((literal.ToString(), -1));
                literal.Clear();
            }
            parts.Add(("", group));
            i = end - 1;
        }
        if (literal.Length > 0)
        {
            parts.Add((literal.ToString(), -1));
        }
        problem = null;
        return new RouteReplacement([.. parts], string.Concat(parts.Select(p => p.Text)));
    }

    /// <summary>Writes the value for <paramref name="match"/>; its length, or -1 when it does not fit <paramref name="destination"/>.</summary>
    public int Expand(Match match, Span<char> destination)
    {
        int length = 0;
        foreach (var (text, group) in _parts)
        {
            ReadOnlySpan<char> part = group < 0 ? text : match.Groups[group].ValueSpan;
            if (!part.TryCopyTo(destination[length..]))
            {
                return -1;
            }
            length += part.Length;
        }
        return length;
    }
}
