using System.Text;
using System.Text.RegularExpressions;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// A route's regular expression (on the path or the host), compiled once for linear-time matching, with
/// the literal text every match must start with (<c>^/api/users/[0-9]+$</c> → <c>/api/users/</c>) as
/// UTF-8: most lines do not match most routes, and comparing a few bytes rules them out before the
/// line is decoded and the regex engine runs (a call costs tens of nanoseconds even when it fails at
/// the first character).
/// </summary>
internal sealed class RouteRegex
{
    /// <summary>Linear-time matching; invariant culture, so <c>(?i)</c> means the same everywhere.</summary>
    public const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    public RouteRegex(string pattern)
    {
        Regex = new Regex(pattern, Options);
        Prefix = Encoding.UTF8.GetBytes(LiteralPrefix(pattern));
    }

    public Regex Regex { get; }

    /// <summary>What the matched text starts with in every match (empty when that is not known).</summary>
    public byte[] Prefix { get; }

    /// <summary>Null when <paramref name="pattern"/> compiles for linear-time matching, else why not (with the position for a syntax error).</summary>
    public static string? Problem(string pattern)
    {
        try
        {
            _ = new Regex(pattern, Options);
            return null;
        }
        catch (RegexParseException e)
        {
            // "Invalid pattern '...' at offset 16. Not enough )'s." -> "Not enough )'s at position 16"
            string marker = $" at offset {e.Offset}. ";
            int at = e.Message.IndexOf(marker, StringComparison.Ordinal);
            string reason = at >= 0 ? e.Message[(at + marker.Length)..].TrimEnd('.') : e.Error.ToString();
            return $"is not a valid regular expression: {reason} at position {e.Offset}";
        }
        catch (NotSupportedException e)
        {
            // Lookarounds, backreferences, atomic groups, conditionals: what a linear-time engine cannot do.
            // "... not supported in conjunction with expressions containing: 'backreference (\ number)'."
            string marker = "containing: '";
            int at = e.Message.IndexOf(marker, StringComparison.Ordinal);
            string construct = at >= 0 ? e.Message[(at + marker.Length)..].TrimEnd('.', '\'') : e.Message;
            return $"uses {construct}, which linear-time matching cannot do";
        }
    }

    /// <summary>
    /// The literal text right after a leading <c>^</c>, up to the first character with a meaning (a
    /// character followed by a quantifier is optional, so it is left out); empty without a leading
    /// <c>^</c> or with an alternative (<c>|</c>) outside any group, which could match without it.
    /// </summary>
    public static string LiteralPrefix(string pattern)
    {
        if (!pattern.StartsWith('^') || HasTopLevelAlternative(pattern))
        {
            return "";
        }
        int end = 1;
        while (end < pattern.Length && !IsSpecial(pattern[end]))
        {
            end++;
        }
        if (end < pattern.Length && pattern[end] is '?' or '*' or '+' or '{')
        {
            end--; // "^/apis?/": the s may be missing
        }
        string prefix = pattern[1..Math.Max(end, 1)];
        // Invalid UTF-8 in a path decodes to U+FFFD: such a character cannot be compared as bytes.
        int replacement = prefix.IndexOf('\uFFFD', StringComparison.Ordinal);
        return replacement < 0 ? prefix : prefix[..replacement];
    }

    private static bool IsSpecial(char c) => c is '\\' or '^' or '$' or '.' or '|' or '?' or '*' or '+' or '(' or ')' or '[' or ']' or '{' or '}';

    private static bool HasTopLevelAlternative(string pattern)
    {
        int depth = 0;
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\')
            {
                i++; // the escaped character means itself
            }
            else if (inClass)
            {
                inClass = c != ']';
            }
            else if (c == '[')
            {
                inClass = true;
                // A ']' first in a class (after an optional '^') is a literal.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    i++;
                }
                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    i++;
                }
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (c == '|' && depth <= 0)
            {
                return true;
            }
        }
        return false;
    }
}
