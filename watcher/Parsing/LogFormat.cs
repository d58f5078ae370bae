using System.Text;

namespace Sidecars.Watcher.Parsing;

/// <summary>An nginx <c>log_format</c> compiled once into a parser over UTF-8 bytes.</summary>
/// <remarks>
/// The format is a leading literal followed by (variable, literal) pairs. A variable's value ends where
/// the next literal begins (first occurrence, found with a vectorised <c>IndexOf</c>): nginx escapes quotes
/// inside values, so quoted fields split reliably. Parsing allocates nothing.
/// </remarks>
internal sealed class LogFormat
{
    /// <summary>The <c>main</c> format of the official nginx Docker image.</summary>
    public const string MainFormat =
        "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_x_forwarded_for\"";

    /// <summary>nginx's predefined <c>combined</c> format.</summary>
    public const string CombinedFormat =
        "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";

    private static LogFormat? s_main;
    private static LogFormat? s_combined;

    private readonly byte[] _prefix;
    private readonly string _prefixElement;
    private readonly Segment[] _segments;
    private readonly string _lastElement;

    private LogFormat(string name, string text, LogEscape escape, string[] variables, byte[] prefix, string prefixElement, Segment[] segments, string lastElement)
    {
        Name = name;
        Text = text;
        Escape = escape;
        Variables = variables;
        _prefix = prefix;
        _prefixElement = prefixElement;
        _segments = segments;
        _lastElement = lastElement;
    }

    /// <summary>The built-in name (<c>main</c>, <c>combined</c>) or <c>custom</c>.</summary>
    public string Name { get; }

    /// <summary>The format string, as nginx would read it (the quotes of nginx.conf concatenation removed).</summary>
    public string Text { get; }

    /// <summary>The escaping nginx applies to variable values (<c>escape=</c>).</summary>
    public LogEscape Escape { get; }

    /// <summary>The variables in the order they appear, without <c>$</c>, lower case as nginx reads them.</summary>
    public IReadOnlyList<string> Variables { get; }

    /// <summary>The official nginx image's <c>main</c> format.</summary>
    public static LogFormat Main => s_main ??= Compile(MainFormat, "main");

    /// <summary>nginx's predefined <c>combined</c> format.</summary>
    public static LogFormat Combined => s_combined ??= Compile(CombinedFormat, "combined");

    /// <summary>True when the format contains <c>$name</c>.</summary>
    public bool HasVariable(string name) => Variables.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The names of the built-in formats, as <see cref="Resolve"/> accepts them (in any case).</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["main", "combined"];

    /// <summary>The built-in formats, in the order of <see cref="BuiltInNames"/>.</summary>
    public static IReadOnlyList<LogFormat> BuiltIns => [Main, Combined];

    /// <summary>
    /// A built-in name (<c>main</c>, <c>combined</c>, any case) or a format string; throws <see cref="LogFormatException"/>.
    /// A single word that is neither a built-in name nor holds a <c>$variable</c> is taken for a mistyped name
    /// (<c>combind</c>, <c>json</c>): as a format it would match no nginx line.
    /// </summary>
    public static LogFormat Resolve(string nameOrFormat)
    {
        ArgumentNullException.ThrowIfNull(nameOrFormat);
        string trimmed = nameOrFormat.Trim();
        switch (trimmed.ToLowerInvariant())
        {
            case "main":
                return Main;
            case "combined":
                return Combined;
        }

        if (trimmed.Length > 0 && !trimmed.Contains('$', StringComparison.Ordinal) && !trimmed.Any(char.IsWhiteSpace))
        {
            throw new LogFormatException(UnknownNameMessage(trimmed), 0);
        }

        return Compile(nameOrFormat);
    }

    private static string UnknownNameMessage(string word)
    {
        string names = string.Join(", ", BuiltInNames);
        string? closest = Sidecars.Hosting.Suggestions.Closest(word, BuiltInNames);
        string hint = closest is not null
            ? $"; did you mean {closest}?"
            : word.Contains("json", StringComparison.OrdinalIgnoreCase)
                ? "; for JSON lines give nginx's own log_format, e.g. escape=json '{\"status\":\"$status\",...}'"
                : "";
        return $"unknown format name \"{word}\" (the names are {names}; a log_format string has $variables){hint}";
    }

    /// <summary>
    /// Compiles a format string; throws <see cref="LogFormatException"/> naming the position. Accepts the
    /// format raw (<c>$remote_addr - ...</c>) or as written in nginx.conf after the name: quoted strings
    /// that nginx concatenates, optionally after <c>escape=default|json|none</c> (see <see cref="FormatSource"/>).
    /// </summary>
    public static LogFormat Compile(string format, string name = "custom")
    {
        ArgumentNullException.ThrowIfNull(format);
        FormatSource source = FormatSource.Read(format);
        return Build(name, source.Text, source.Escape, source.Positions);
    }

    /// <summary>Compiles a format text nginx already unquoted (e.g. from <see cref="NginxConfig"/>) with its escaping.</summary>
    public static LogFormat Compile(string text, LogEscape escape, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Build(name, text, escape, positions: null);
    }

    /// <summary>Reads <c>log_format NAME ...;</c> from an nginx config file and compiles it; <c>combined</c> is nginx's predefined one unless the file defines it.</summary>
    public static LogFormat FromNginxConfig(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        string configText;
        try
        {
            configText = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LogFormatException($"cannot read the nginx config {path}: {ex.Message}", 0);
        }

        NginxLogFormat? found = NginxConfig.TryReadLogFormat(configText, name, out string[] defined);
        if (found is null)
        {
            if (name == "combined")
            {
                return Combined;
            }

            string list = defined.Length == 0 ? "none" : string.Join(", ", defined);
            throw new LogFormatException($"log_format {name} not found in {path} (it defines: {list})", 0);
        }

        return Compile(found.Format, found.Escape, name);
    }

    /// <summary>
    /// This format, also recording where the values of <paramref name="variables"/> (names without <c>$</c>) are in
    /// each line: <see cref="AccessLogRecord.Captures"/>[i] for <paramref name="variables"/>[i], which the caller
    /// provides with room for them all. A variable the format has twice is captured where it appears last.
    /// </summary>
    public LogFormat WithCaptures(IReadOnlyList<string> variables)
    {
        var segments = new Segment[_segments.Length];
        for (int s = 0; s < segments.Length; s++)
        {
            int capture = -1;
            for (int v = 0; v < variables.Count; v++)
            {
                if (string.Equals(_segments[s].VariableElement, "$" + variables[v], StringComparison.OrdinalIgnoreCase))
                {
                    capture = v;
                }
            }
            segments[s] = _segments[s] with { Capture = capture };
        }
        return new LogFormat(Name, Text, Escape, [.. Variables], _prefix, _prefixElement, segments, _lastElement);
    }

    /// <summary>Parses one line (without its newline). On failure <paramref name="error"/> says why and where.</summary>
    public bool TryParse(ReadOnlySpan<byte> line, ref AccessLogRecord record, out ParseError error)
    {
        record.Clear();
        ReadOnlySpan<byte> prefix = _prefix;
        if (!line.StartsWith(prefix))
        {
            int common = line.CommonPrefixLength(prefix);
            error = common == line.Length
                ? new ParseError(ParseFailure.Truncated, _prefixElement, line.Length)
                : new ParseError(ParseFailure.LiteralMismatch, _prefixElement, common) { Length = prefix.Length - common };
            return false;
        }

        var extras = new ExtraFields();
        int pos = prefix.Length;
        Segment[] segments = _segments;
        for (int i = 0; i < segments.Length; i++)
        {
            Segment segment = segments[i];
            int valueEnd;
            int next;
            if (segment.Literal is null)
            {
                valueEnd = next = line.Length;
            }
            else
            {
                valueEnd = FindLiteral(line, pos, segment, last: i == segments.Length - 1);
                if (valueEnd < 0)
                {
                    error = new ParseError(ParseFailure.Truncated, segment.LiteralElement, line.Length);
                    return false;
                }

                next = valueEnd + segment.Literal.Length;
            }

            if (segment.Capture >= 0)
            {
                record.Captures[segment.Capture] = pos..valueEnd;
            }

            if (segment.Field != Field.Ignored &&
                !Apply(segment, line[pos..valueEnd], pos, ref record, ref extras, out error))
            {
                return false;
            }

            pos = next;
        }

        if (pos != line.Length)
        {
            error = new ParseError(ParseFailure.TrailingData, _lastElement, pos) { Length = line.Length - pos };
            return false;
        }

        if (!extras.RequestMethod.IsEmpty)
        {
            record.Method = extras.RequestMethod;
        }

        if (record.Path.IsEmpty)
        {
            record.Path = !extras.RequestUri.IsEmpty ? extras.RequestUri : extras.Uri;
        }

        if (record.Protocol.IsEmpty)
        {
            record.Protocol = extras.ServerProtocol;
        }

        error = default;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Text}";

    /// <summary>The index in <paramref name="line"/> where the segment's literal starts, searching from <paramref name="from"/>; -1 if absent.</summary>
    private int FindLiteral(ReadOnlySpan<byte> line, int from, Segment segment, bool last)
    {
        ReadOnlySpan<byte> literal = segment.Literal;
        if (last && Escape == LogEscape.None && line.EndsWith(literal) && line.Length - literal.Length >= from)
        {
            // Unescaped values may hold the closing literal; the last one can only be at the end.
            return line.Length - literal.Length;
        }

        int start = from;
        while (true)
        {
            int found = line[start..].IndexOf(literal);
            if (found < 0)
            {
                return -1;
            }

            found += start;
            if (!segment.SkipEscapedQuote)
            {
                return found;
            }

            // escape=json: a quote after an odd number of backslashes is part of the value.
            int backslashes = 0;
            while (found - backslashes > from && line[found - backslashes - 1] == (byte)'\\')
            {
                backslashes++;
            }

            if ((backslashes & 1) == 0)
            {
                return found;
            }

            start = found + 1;
        }
    }

    private static bool Apply(Segment segment, ReadOnlySpan<byte> value, int position, ref AccessLogRecord record, ref ExtraFields extras, out ParseError error)
    {
        error = default;
        bool absent = value.IsEmpty || (value.Length == 1 && value[0] == (byte)'-');
        switch (segment.Field)
        {
            case Field.Request:
                return FieldValues.SplitRequest(value, position, segment.VariableElement, ref record, out error);
            case Field.Status:
                if (!absent)
                {
                    if (!FieldValues.TryParseInteger(value, out long status) || status > 999)
                    {
                        return BadNumber(segment, value, position, out error);
                    }

                    record.Status = (int)status;
                }

                return true;
            case Field.BodyBytesSent or Field.BytesSent or Field.RequestLength:
                if (!absent)
                {
                    if (!FieldValues.TryParseInteger(value, out long size))
                    {
                        return BadNumber(segment, value, position, out error);
                    }

                    if (segment.Field == Field.BodyBytesSent) record.BodyBytesSent = size;
                    else if (segment.Field == Field.BytesSent) record.BytesSent = size;
                    else record.RequestLength = size;
                }

                return true;
            case Field.RequestTime:
                if (!absent)
                {
                    if (!FieldValues.TryParseSeconds(value, out double seconds))
                    {
                        return BadNumber(segment, value, position, out error);
                    }

                    record.RequestTime = seconds;
                }

                return true;
            case Field.UpstreamResponseTime or Field.UpstreamConnectTime or Field.UpstreamHeaderTime:
                if (!absent)
                {
                    if (!FieldValues.TryParseUpstreamSeconds(value, out double sum))
                    {
                        return BadNumber(segment, value, position, out error);
                    }

                    if (segment.Field == Field.UpstreamResponseTime) record.UpstreamResponseTime = sum;
                    else if (segment.Field == Field.UpstreamConnectTime) record.UpstreamConnectTime = sum;
                    else record.UpstreamHeaderTime = sum;
                }

                return true;
        }

        if (absent)
        {
            return true;
        }

        switch (segment.Field)
        {
            case Field.RequestMethod: extras.RequestMethod = value; break;
            case Field.RequestUri: extras.RequestUri = value; break;
            case Field.Uri: extras.Uri = value; break;
            case Field.ServerProtocol: extras.ServerProtocol = value; break;
            case Field.UpstreamCacheStatus: record.UpstreamCacheStatus = value; break;
            case Field.Host: record.Host = value; break;
            case Field.ServerName: record.ServerName = value; break;
            case Field.Scheme: record.Scheme = value; break;
        }

        return true;
    }

    private static bool BadNumber(Segment segment, ReadOnlySpan<byte> value, int position, out ParseError error)
    {
        error = new ParseError(ParseFailure.BadNumber, segment.VariableElement, position) { Length = value.Length };
        return false;
    }

    private static LogFormat Build(string name, string text, LogEscape escape, int[]? positions)
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
        var segments = new Segment[variables.Count];
        for (int v = 0; v < variables.Count; v++)
        {
            string following = literals[v + 1];
            byte[]? bytes = following.Length == 0 ? null : Encoding.UTF8.GetBytes(following);
            segments[v] = new Segment(
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

    private static Field FieldOf(string variable) => variable switch
    {
        "status" => Field.Status,
        "request" => Field.Request,
        "request_method" => Field.RequestMethod,
        "request_uri" => Field.RequestUri,
        "uri" => Field.Uri,
        "server_protocol" => Field.ServerProtocol,
        "body_bytes_sent" => Field.BodyBytesSent,
        "bytes_sent" => Field.BytesSent,
        "request_length" => Field.RequestLength,
        "request_time" => Field.RequestTime,
        "upstream_response_time" => Field.UpstreamResponseTime,
        "upstream_connect_time" => Field.UpstreamConnectTime,
        "upstream_header_time" => Field.UpstreamHeaderTime,
        "upstream_cache_status" => Field.UpstreamCacheStatus,
        "host" => Field.Host,
        "server_name" => Field.ServerName,
        "scheme" => Field.Scheme,
        _ => Field.Ignored,
    };

    /// <summary>What a variable feeds in <see cref="AccessLogRecord"/>.</summary>
    private enum Field : byte
    {
        Ignored,
        Status,
        Request,
        RequestMethod,
        RequestUri,
        Uri,
        ServerProtocol,
        BodyBytesSent,
        BytesSent,
        RequestLength,
        RequestTime,
        UpstreamResponseTime,
        UpstreamConnectTime,
        UpstreamHeaderTime,
        UpstreamCacheStatus,
        Host,
        ServerName,
        Scheme,
    }

    /// <summary>A variable and the literal after it (null when the variable ends the format).</summary>
    private sealed record Segment(Field Field, string VariableElement, byte[]? Literal, string LiteralElement, bool SkipEscapedQuote)
    {
        /// <summary>Where the value's range goes in <see cref="AccessLogRecord.Captures"/>; -1: not captured.</summary>
        public int Capture { get; init; } = -1;
    }

    /// <summary>Values that fill a record field only when a preferred source is missing (resolved after the whole line).</summary>
    private ref struct ExtraFields
    {
        public ReadOnlySpan<byte> RequestMethod;
        public ReadOnlySpan<byte> RequestUri;
        public ReadOnlySpan<byte> Uri;
        public ReadOnlySpan<byte> ServerProtocol;
    }
}
