using System.Text;

namespace Sidecars.Watcher.Parsing;

/// <summary>
/// A format as given by the user, turned into the text nginx would log with: either raw
/// (<c>$remote_addr - ...</c>) or as written in nginx.conf after the format name
/// (<c>escape=json '{"status":$status,' '"rt":"$request_time"}';</c>), whose quoted parts nginx concatenates.
/// </summary>
/// <remarks>
/// The nginx.conf form is recognised when the text starts with <c>escape=</c> or a single quote, or when it
/// starts with a double quote and consists only of double-quoted strings and ends with <c>;</c>, spans lines or
/// uses a backslash escape. Anything else is raw: <c>"$request" $status</c> keeps its quotes.
/// </remarks>
internal sealed record FormatSource(string Text, LogEscape Escape, int[]? Positions)
{
    /// <summary>Throws <see cref="LogFormatException"/> for an unterminated quote, an unknown <c>escape=</c>, or text after <c>;</c>.</summary>
    public static FormatSource Read(string format)
    {
        // A line never holds its newline, so one pasted at the end of a format would never match; and it must not
        // make a raw format of double-quoted parts look like nginx.conf text that spans lines.
        format = format.TrimEnd('\r', '\n');
        int start = 0;
        while (start < format.Length && char.IsWhiteSpace(format[start]))
        {
            start++;
        }

        if (start == format.Length)
        {
            throw new LogFormatException("empty format at position 0", 0);
        }

        bool confForm = format.AsSpan(start).StartsWith("escape=", StringComparison.Ordinal) || format[start] == '\'';
        if (!confForm && format[start] == '"')
        {
            ConfParse attempt = ParseConf(format, start);
            if (attempt.Error is null && attempt.AllQuoted && (attempt.EndedWithSemicolon || attempt.MultiLine || attempt.UsedEscape))
            {
                return new FormatSource(attempt.Text!, attempt.Escape, attempt.Positions);
            }
        }

        if (!confForm)
        {
            return new FormatSource(format, LogEscape.Default, null);
        }

        ConfParse conf = ParseConf(format, start);
        if (conf.Error is { } message)
        {
            throw new LogFormatException(message, conf.ErrorPosition);
        }

        return new FormatSource(conf.Text!, conf.Escape, conf.Positions);
    }

    /// <summary>Parses nginx.conf arguments the way nginx's tokenizer does (quotes, <c>\" \' \\ \t \r \n</c>), recording where each character came from.</summary>
    private static ConfParse ParseConf(string s, int i)
    {
        var escape = LogEscape.Default;
        var text = new StringBuilder();
        var positions = new List<int>();
        bool allQuoted = true, multiLine = false, usedEscape = false, semicolon = false;
        int parts = 0;

        if (s.AsSpan(i).StartsWith("escape=", StringComparison.Ordinal))
        {
            int end = i;
            while (end < s.Length && !char.IsWhiteSpace(s[end]) && s[end] != ';')
            {
                end++;
            }

            string mode = s[(i + "escape=".Length)..end];
            if (!TryParseEscape(mode, out escape))
            {
                return ConfParse.Fail($"unknown escape={mode} at position {i} (expected default, json or none)", i);
            }

            i = end;
        }

        while (true)
        {
            bool newline = false;
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                newline |= s[i] == '\n';
                i++;
            }

            multiLine |= newline && parts > 0;
            if (i == s.Length)
            {
                break;
            }

            char c = s[i];
            if (c == ';')
            {
                int semicolonAt = i++;
                while (i < s.Length && char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                if (i != s.Length)
                {
                    return ConfParse.Fail($"unexpected text after ';' at position {i}", i);
                }

                if (parts == 0)
                {
                    return ConfParse.Fail($"no format string before ';' at position {semicolonAt}", semicolonAt);
                }

                semicolon = true;
                break;
            }

            if (c is '\'' or '"')
            {
                int open = i++;
                while (i < s.Length && s[i] != c)
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        usedEscape = true;
                        char next = s[i + 1];
                        switch (next)
                        {
                            case '"' or '\'' or '\\':
                                text.Append(next);
                                positions.Add(i + 1);
                                break;
                            case 't' or 'r' or 'n':
                                text.Append(next == 't' ? '\t' : next == 'r' ? '\r' : '\n');
                                positions.Add(i);
                                break;
                            default:
                                text.Append('\\').Append(next);
                                positions.Add(i);
                                positions.Add(i + 1);
                                break;
                        }

                        i += 2;
                        continue;
                    }

                    text.Append(s[i]);
                    positions.Add(i);
                    i++;
                }

                if (i == s.Length)
                {
                    return ConfParse.Fail($"unterminated quote at position {open}", open);
                }

                i++;
                parts++;
                if (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] != ';')
                {
                    return ConfParse.Fail($"expected a space or ';' after the quoted string at position {i}", i);
                }

                continue;
            }

            // nginx also takes unquoted arguments; they are concatenated all the same.
            allQuoted = false;
            while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] != ';')
            {
                text.Append(s[i]);
                positions.Add(i);
                i++;
            }

            parts++;
        }

        if (parts == 0)
        {
            return ConfParse.Fail($"no format string after escape= at position {s.Length}", s.Length);
        }

        if (text.Length == 0)
        {
            return ConfParse.Fail($"empty format at position {i}", i);
        }

        return new ConfParse(text.ToString(), escape, [.. positions], allQuoted, multiLine, usedEscape, semicolon, null, 0);
    }

    /// <summary><c>default</c>, <c>json</c> or <c>none</c>, as nginx spells them.</summary>
    public static bool TryParseEscape(string mode, out LogEscape escape)
    {
        switch (mode)
        {
            case "default": escape = LogEscape.Default; return true;
            case "json": escape = LogEscape.Json; return true;
            case "none": escape = LogEscape.None; return true;
            default: escape = LogEscape.Default; return false;
        }
    }

    private sealed record ConfParse(
        string? Text, LogEscape Escape, int[]? Positions, bool AllQuoted, bool MultiLine, bool UsedEscape, bool EndedWithSemicolon,
        string? Error, int ErrorPosition)
    {
        public static ConfParse Fail(string message, int position) =>
            new(null, LogEscape.Default, null, false, false, false, false, message, position);
    }
}
