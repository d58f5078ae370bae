using Microsoft.Extensions.Options;
using Sidecars.Hosting;

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

/// <summary>Checks <see cref="WriterOptions"/> at start; each message names the setting, the problem and the value.</summary>
internal sealed class WriterOptionsValidator : IValidateOptions<WriterOptions>
{
    public ValidateOptionsResult Validate(string? name, WriterOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add("Writer:Path must not be empty");
        }
        else if (FolderProblem(options.Path) is { } problem)
        {
            failures.Add(problem);
        }
        if (options.Interval <= TimeSpan.Zero)
        {
            failures.Add($"Writer:Interval must be greater than zero (got {Durations.Format(options.Interval)})");
        }
        if (string.IsNullOrEmpty(options.Format))
        {
            failures.Add("Writer:Format must not be empty");
        }
        else if (!DateFormat.TryCompile(options.Format, out _, out string? error))
        {
            failures.Add($"Writer:Format has {error}");
        }
        if (!WriterTimeZone.TryResolve(options.TimeZone, out _))
        {
            failures.Add(WriterTimeZone.CannotResolve(options.TimeZone));
        }
        if (options.MaxLines < 0)
        {
            failures.Add($"Writer:MaxLines must be 0 (keep every line) or more (got {options.MaxLines})");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? FolderProblem(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return $"Writer:Path {path} is a folder, not a file";
        }
        string folder = System.IO.Path.GetDirectoryName(full) ?? "/";
        return Directory.Exists(folder) ? null : $"Writer:Path folder {folder} does not exist";
    }
}

/// <summary>Resolves <see cref="WriterOptions.TimeZone"/>; UTC never needs tzdata (the chiseled image has none).</summary>
internal static class WriterTimeZone
{
    public static bool TryResolve(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        if (id is null || id.Length == 0)
        {
            zone = null;
            return false;
        }
        if (IsUtc(id))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException or IOException)
        {
            zone = null;
            return false;
        }
    }

    public static TimeZoneInfo Resolve(string id) =>
        TryResolve(id, out var zone) ? zone : throw new Sidecars.Hosting.ConfigurationException(CannotResolve(id));

    public static string CannotResolve(string? id) =>
        $"Writer:TimeZone \"{id}\" cannot be resolved (the image has no tzdata; use UTC or mount /usr/share/zoneinfo)";

    private static bool IsUtc(string id) =>
        id.Equals("UTC", StringComparison.OrdinalIgnoreCase)
        || id.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase)
        || id.Equals("Z", StringComparison.OrdinalIgnoreCase);
}
