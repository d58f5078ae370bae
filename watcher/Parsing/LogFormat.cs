namespace Sidecars.Watcher.Parsing;

// CONTRACT STUB: the parsing work replaces the bodies; the public surface below is what the rest of the watcher uses.
/// <summary>An nginx <c>log_format</c> compiled once into a parser over UTF-8 bytes.</summary>
internal sealed class LogFormat
{
    private LogFormat(string name, string text)
    {
        Name = name;
        Text = text;
    }

    /// <summary>The built-in name (<c>main</c>, <c>combined</c>) or <c>custom</c>.</summary>
    public string Name { get; }

    /// <summary>The format string, as nginx would read it (the quotes of nginx.conf concatenation removed).</summary>
    public string Text { get; }

    /// <summary>The variables in the order they appear, without <c>$</c>.</summary>
    public IReadOnlyList<string> Variables { get; } = [];

    /// <summary>True when the format contains <c>$name</c>.</summary>
    public bool HasVariable(string name) => Variables.Contains(name);

    /// <summary>A built-in name (<c>main</c>, <c>combined</c>) or a format string; throws <see cref="LogFormatException"/>.</summary>
    public static LogFormat Resolve(string nameOrFormat) => throw new NotImplementedException();

    /// <summary>Compiles a format string; throws <see cref="LogFormatException"/> naming the position.</summary>
    public static LogFormat Compile(string format, string name = "custom") => new(name, format);

    /// <summary>Parses one line (without its newline). On failure <paramref name="error"/> says why and where.</summary>
    public bool TryParse(ReadOnlySpan<byte> line, ref AccessLogRecord record, out ParseError error) =>
        throw new NotImplementedException();
}

/// <summary>A format string nginx would not accept or that cannot be parsed; <see cref="Position"/> is the 0-based character index in the format.</summary>
internal sealed class LogFormatException(string message, int position) : Exception(message)
{
    public int Position { get; } = position;
}
