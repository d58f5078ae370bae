using System.Text;

namespace Sidecars.Watcher.Parsing;

/// <summary>Reads <c>log_format</c> directives out of an nginx config text, with nginx's own tokenizing rules.</summary>
internal static class NginxConfig
{
    /// <summary>
    /// Finds <c>log_format NAME [escape=...] 'part' "part" ...;</c> (comments ignored, strings may span lines) and
    /// returns its format; throws <see cref="LogFormatException"/> naming what is missing (position = character
    /// offset in <paramref name="configText"/>).
    /// </summary>
    public static NginxLogFormat ReadLogFormat(string configText, string name)
    {
        NginxLogFormat? found = TryReadLogFormat(configText, name, out string[] defined);
        if (found is null)
        {
            string list = defined.Length == 0 ? "none" : string.Join(", ", defined);
            throw new LogFormatException($"log_format {name} not found in the nginx config (it defines: {list})", 0);
        }

        return found;
    }

    /// <summary>Like <see cref="ReadLogFormat"/> but returns null when no such log_format exists; <paramref name="defined"/> lists the names that do.</summary>
    public static NginxLogFormat? TryReadLogFormat(string configText, string name, out string[] defined)
    {
        ArgumentNullException.ThrowIfNull(configText);
        ArgumentNullException.ThrowIfNull(name);
        var names = new List<string>();
        var directive = new List<Token>();
        int i = 0;
        while (NextToken(configText, ref i) is { } token)
        {
            if (!token.Quoted && token.Text is ";" or "{" or "}")
            {
                if (token.Text == ";" && IsLogFormat(directive) && directive.Count >= 2)
                {
                    names.Add(directive[1].Text);
                    if (directive[1].Text == name)
                    {
                        defined = [.. names];
                        return ToLogFormat(name, directive, token.Position);
                    }
                }

                directive.Clear();
                continue;
            }

            directive.Add(token);
        }

        if (IsLogFormat(directive) && directive.Count >= 2 && directive[1].Text == name)
        {
            throw new LogFormatException($"log_format {name} at position {directive[0].Position} is not terminated by ';'", directive[0].Position);
        }

        defined = [.. names];
        return null;
    }

    private static bool IsLogFormat(List<Token> directive) => directive.Count > 0 && !directive[0].Quoted && directive[0].Text == "log_format";

    private static NginxLogFormat ToLogFormat(string name, List<Token> directive, int end)
    {
        int first = 2;
        var escape = LogEscape.Default;
        if (directive.Count > first && directive[first].Text.StartsWith("escape=", StringComparison.Ordinal))
        {
            string mode = directive[first].Text["escape=".Length..];
            if (!FormatSource.TryParseEscape(mode, out escape))
            {
                throw new LogFormatException(
                    $"log_format {name}: unknown escape={mode} at position {directive[first].Position} (expected default, json or none)",
                    directive[first].Position);
            }

            first++;
        }

        if (directive.Count == first)
        {
            throw new LogFormatException($"log_format {name} has no format string at position {end}", end);
        }

        var text = new StringBuilder();
        for (int t = first; t < directive.Count; t++)
        {
            text.Append(directive[t].Text);
        }

        return new NginxLogFormat(name, text.ToString(), escape);
    }

    /// <summary>The next token: a word, a quoted string (unescaped), or one of <c>; { }</c>; null at the end.</summary>
    private static Token? NextToken(string s, ref int i)
    {
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }

            if (i == s.Length)
            {
                return null;
            }

            if (s[i] != '#')
            {
                break;
            }

            while (i < s.Length && s[i] != '\n')
            {
                i++;
            }
        }

        int start = i;
        char c = s[i];
        if (c is ';' or '{' or '}')
        {
            i++;
            return new Token(c.ToString(), start, Quoted: false);
        }

        var text = new StringBuilder();
        if (c is '"' or '\'')
        {
            i++;
            while (i < s.Length && s[i] != c)
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    char next = s[i + 1];
                    _ = next switch
                    {
                        '"' or '\'' or '\\' => text.Append(next),
                        't' => text.Append('\t'),
                        'r' => text.Append('\r'),
                        'n' => text.Append('\n'),
                        _ => text.Append('\\').Append(next),
                    };
                    i += 2;
                    continue;
                }

                text.Append(s[i++]);
            }

            if (i == s.Length)
            {
                int lineNumber = 1 + s.AsSpan(0, start).Count('\n');
                throw new LogFormatException($"unterminated quote at position {start} (line {lineNumber}) of the nginx config", start);
            }

            i++;
            return new Token(text.ToString(), start, Quoted: true);
        }

        while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not (';' or '{' or '}' or '"' or '\''))
        {
            if (s[i] == '$' && i + 1 < s.Length && s[i + 1] == '{')
            {
                // "${name}" inside a word is a variable, not a block.
                int close = s.IndexOf('}', i);
                int stop = close < 0 ? s.Length : close + 1;
                text.Append(s, i, stop - i);
                i = stop;
                continue;
            }

            text.Append(s[i++]);
        }

        return new Token(text.ToString(), start, Quoted: false);
    }

    private readonly record struct Token(string Text, int Position, bool Quoted);
}
