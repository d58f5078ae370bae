using System.Text;

namespace Sidecars.Watcher.Parsing;

/// <summary>
/// Turns a <c>log_format</c> text into a <see cref="LogFormat"/>: its leading literal and one <see cref="FormatSegment"/>
/// per variable, each with the literal that ends its value. Runs once per format; nothing here is on the parse path.
/// </summary>
internal static class FormatCompiler
{
    /// <summary>
    /// Compiles <paramref name="text"/> (nginx's, unquoted); throws <see cref="LogFormatException"/> naming the position,
    /// in <paramref name="positions"/> (the index in the source of each character of the text) when given.
    /// </summary>
    public static LogFormat Build(string name, string text, LogEscape escape, int[]? positions)
    {
        int PositionOf(int index) => positions is null ? index : positions[index];

        if (text.Length == 0)
        {
            throw new LogFormatException("empty format at position 0", 0);
        }

        var variables = new List<string>();
        var literals = new List<string>(); // literals[i] precedes variables[i]; literals[^1] is the tail
        var literal = new StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c != '$')
            {
                literal.Append(c);
                i++;
                continue;
            }

            int dollar = i;
            string variable;
            if (i + 1 < text.Length && text[i + 1] == '{')
            {
                int end = i + 2;
                while (end < text.Length && IsNameChar(text[end]))
                {
                    end++;
                }

                if (end == i + 2)
                {
                    throw new LogFormatException($"'${{' without a variable name at position {PositionOf(dollar)}", PositionOf(dollar));
                }

                if (end == text.Length || text[end] != '}')
                {
                    throw new LogFormatException($"unterminated '${{{text[(i + 2)..end]}' (missing '}}') at position {PositionOf(dollar)}", PositionOf(dollar));
                }

                variable = text[(i + 2)..end];
                i = end + 1;
            }
            else
            {
                int end = i + 1;
                while (end < text.Length && IsNameChar(text[end]))
                {
                    end++;
                }

                if (end == i + 1)
                {
                    throw new LogFormatException($"'$' without a variable name at position {PositionOf(dollar)}", PositionOf(dollar));
                }

                variable = text[(i + 1)..end];
                i = end;
            }

            variable = variable.ToLowerInvariant();
            if (variables.Count > 0 && literal.Length == 0)
            {
                throw new LogFormatException(
                    $"variables ${variables[^1]} and ${variable} have no literal text between them at position {PositionOf(dollar)}, so a line cannot be split between them",
                    PositionOf(dollar));
            }

            literals.Add(literal.ToString());
            literal.Clear();
            variables.Add(variable);
        }

        literals.Add(literal.ToString());

        byte[] prefix = Encoding.UTF8.GetBytes(literals[0]);
        var segments = new FormatSegment[variables.Count];
        for (int v = 0; v < variables.Count; v++)
        {
            string following = literals[v + 1];
            byte[]? bytes = following.Length == 0 ? null : Encoding.UTF8.GetBytes(following);
            segments[v] = new FormatSegment(
                FieldOf(variables[v]),
                "$" + variables[v],
                bytes,
                bytes is null ? "" : QuoteLiteral(following),
                SkipEscapedQuote: escape == LogEscape.Json && bytes is not null && bytes[0] == (byte)'"');
        }

        string lastElement = literals[^1].Length > 0 || variables.Count == 0
            ? QuoteLiteral(literals[^1])
            : "$" + variables[^1];
        return new LogFormat(name, text, escape, [.. variables], prefix, QuoteLiteral(literals[0]), segments, lastElement);
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>A literal as shown in errors: in double quotes, <c>"</c> and <c>\</c> backslash-escaped, controls as <c>\xXX</c>.</summary>
    private static string QuoteLiteral(string literal)
    {
        var builder = new StringBuilder(literal.Length + 2).Append('"');
        foreach (char c in literal)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                < ' ' or (char)0x7F => builder.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }

    private static FormatField FieldOf(string variable) => variable switch
    {
        "status" => FormatField.Status,
        "request" => FormatField.Request,
        "request_method" => FormatField.RequestMethod,
        "request_uri" => FormatField.RequestUri,
        "uri" => FormatField.Uri,
        "server_protocol" => FormatField.ServerProtocol,
        "body_bytes_sent" => FormatField.BodyBytesSent,
        "bytes_sent" => FormatField.BytesSent,
        "request_length" => FormatField.RequestLength,
        "request_time" => FormatField.RequestTime,
        "upstream_response_time" => FormatField.UpstreamResponseTime,
        "upstream_connect_time" => FormatField.UpstreamConnectTime,
        "upstream_header_time" => FormatField.UpstreamHeaderTime,
        "upstream_cache_status" => FormatField.UpstreamCacheStatus,
        "host" => FormatField.Host,
        "server_name" => FormatField.ServerName,
        "scheme" => FormatField.Scheme,
        _ => FormatField.Ignored,
    };
}
