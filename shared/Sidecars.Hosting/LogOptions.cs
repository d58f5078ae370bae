namespace Sidecars.Hosting;

/// <summary>Settings of the service's own log (section <c>Log</c>): <c>Log:Format</c> and <c>Log:Level</c>.</summary>
public sealed class LogOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Log";

    /// <summary><c>text</c> (default) for people, <c>json</c> for compact JSON (CLEF) one event per line.</summary>
    public string Format { get; set; } = "text";

    /// <summary>Minimum level: Verbose, Debug, Information (default), Warning, Error or Fatal.</summary>
    public string Level { get; set; } = "Information";
}
