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
    private readonly FormatSegment[] _segments;
    private readonly string _lastElement;

    /// <summary>A compiled format; <see cref="FormatCompiler"/> builds it.</summary>
    internal LogFormat(string name, string text, LogEscape escape, string[] variables, byte[] prefix, string prefixElement, FormatSegment[] segments, string lastElement)
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
        return FormatCompiler.Build(name, source.Text, source.Escape, source.Positions);
    }

    /// <summary>Compiles a format text nginx already unquoted (e.g. from <see cref="NginxConfig"/>) with its escaping.</summary>
    public static LogFormat Compile(string text, LogEscape escape, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        return FormatCompiler.Build(name, text, escape, positions: null);
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
        var segments = new FormatSegment[_segments.Length];
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

        var fallbacks = new FallbackFields();
        int pos = prefix.Length;
        FormatSegment[] segments = _segments;
        for (int i = 0; i < segments.Length; i++)
        {
            FormatSegment segment = segments[i];
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

            if (segment.Field != FormatField.Ignored &&
                !segment.TryApply(line[pos..valueEnd], pos, ref record, ref fallbacks, out error))
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

        fallbacks.FillIn(ref record);
        error = default;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Text}";

    /// <summary>The index in <paramref name="line"/> where the segment's literal starts, searching from <paramref name="from"/>; -1 if absent.</summary>
    private int FindLiteral(ReadOnlySpan<byte> line, int from, FormatSegment segment, bool last)
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
}
