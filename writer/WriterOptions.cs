namespace Sidecars.Writer;

/// <summary>
/// Settings of the writer (section <c>Writer</c>; env <c>Writer__Path</c>, command line <c>--Writer:Path=...</c>).
/// </summary>
internal sealed class WriterOptions
{
    public const string Section = "Writer";

    /// <summary>The file nginx serves; created if missing. Its folder must exist.</summary>
    public string Path { get; set; } = "/html/index.html";

    /// <summary>Time between lines; lines fall on multiples of it since the Unix epoch.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The line, in the strftime/<c>date</c> syntax (see <see cref="DateFormat"/> for the tokens). The default is
    /// what Debian's <c>date</c> prints: <c>%a %b %e %H:%M:%S %Z %Y</c>. Shortcuts for the whole value:
    /// <c>iso8601</c> = <c>%Y-%m-%dT%H:%M:%S%:z</c> (<c>date --iso-8601=seconds</c>),
    /// <c>rfc3339</c> = <c>%Y-%m-%d %H:%M:%S%:z</c> (<c>date --rfc-3339=seconds</c>),
    /// <c>iso8601ns</c> = <c>%Y-%m-%dT%H:%M:%S,%N%:z</c> (<c>date --iso-8601=ns</c>).
    /// </summary>
    public string Format { get; set; } = DateFormat.DatePattern;

    /// <summary><c>UTC</c> (works without tzdata) or an IANA id such as <c>Europe/Paris</c> (needs tzdata).</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>0 keeps every line (like the lesson); above 0 the file keeps only its newest N lines.</summary>
    public int MaxLines { get; set; }
}
