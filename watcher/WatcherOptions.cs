using System.Globalization;
using Microsoft.Extensions.Options;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.StubStatus;

namespace Sidecars.Watcher;

/// <summary>
/// Settings of the watcher (section <c>Watcher</c>; env <c>Watcher__Path</c>, lists as
/// <c>Watcher__Routes__0__Name</c>; command line <c>--Watcher:Path=...</c>).
/// </summary>
internal sealed class WatcherOptions
{
    public const string Section = "Watcher";

    /// <summary>The access log to follow. Its folder must exist; the file may appear later.</summary>
    public string Path { get; set; } = "/var/log/nginx/access.log";

    /// <summary>A built-in format name (<c>main</c>, <c>combined</c>) or an nginx <c>log_format</c> string.</summary>
    public string Format { get; set; } = "main";

    /// <summary>An nginx config file to read the format from (overrides <see cref="Format"/>); needs <see cref="FormatName"/>.</summary>
    public string? FormatFile { get; set; }

    /// <summary>The <c>log_format</c> name to take from <see cref="FormatFile"/>.</summary>
    public string? FormatName { get; set; }

    /// <summary><c>beginning</c> reads what the log already holds; <c>end</c> only what comes after (when no state was saved).</summary>
    public string StartAt { get; set; } = "beginning";

    /// <summary>Where the position and counters are saved (empty: not saved, a restart starts from zero).</summary>
    public string? StateDirectory { get; set; }

    /// <summary>
    /// fsync each save: survives a power loss, not just a killed process, but adds disk latency to
    /// every publish (the access log nginx writes is not fsynced either).
    /// </summary>
    public bool StateFsync { get; set; }

    /// <summary>Longer lines are skipped and counted.</summary>
    public int MaxLineBytes { get; set; } = 65536;

    /// <summary>How often the file is checked when no change notification arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Use file-system change notifications to wake up at once (the poll still runs).</summary>
    public bool UseNotifications { get; set; } = true;

    /// <summary>Named path patterns, tried in order; the first match names the <c>route</c> label.</summary>
    public List<RouteOptions> Routes { get; set; } = [];

    /// <summary>Upper bounds of the time histograms, in seconds.</summary>
    public double[] DurationBuckets { get; set; } = [];

    /// <summary>Upper bounds of the response body size histogram, in bytes.</summary>
    public double[] SizeBuckets { get; set; } = [];

    /// <summary>At most this many {method,status,route} combinations; beyond, new ones count as "other".</summary>
    public int MaxLabelSets { get; set; } = 500;

    /// <summary>How often one summary line is logged (zero: never).</summary>
    public TimeSpan SummaryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// nginx's stub_status page, read every 5 s for the connection metrics and <c>nginx_up</c>, e.g.
    /// <c>http://127.0.0.1:8081/stub_status</c> (the pod's own nginx); empty: off.
    /// </summary>
    public string? StubStatusUrl { get; set; }

    public static readonly double[] DefaultDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    public static readonly double[] DefaultSizeBuckets = [100, 1000, 10000, 100000, 1e6, 1e7];

    /// <summary>The configured duration buckets, or the defaults when none are configured.</summary>
    public double[] EffectiveDurationBuckets => DurationBuckets.Length > 0 ? DurationBuckets : DefaultDurationBuckets;

    /// <summary>The configured size buckets, or the defaults when none are configured.</summary>
    public double[] EffectiveSizeBuckets => SizeBuckets.Length > 0 ? SizeBuckets : DefaultSizeBuckets;

    public bool StartAtEnd => string.Equals(StartAt, "end", StringComparison.OrdinalIgnoreCase);

    public bool SavesState => !string.IsNullOrWhiteSpace(StateDirectory);

    /// <summary>Resolves the log format these settings name; throws <see cref="LogFormatException"/> or IO errors.</summary>
    public LogFormat ResolveFormat() =>
        !string.IsNullOrWhiteSpace(FormatFile)
            ? LogFormat.FromNginxConfig(FormatFile, FormatName ?? "")
            : LogFormat.Resolve(Format);
}

/// <summary>
/// One named route: exactly one of <see cref="Pattern"/> (a path prefix or a glob) and <see cref="Regex"/>
/// (a regular expression on the path), optionally with <see cref="Host"/> (a regular expression on <c>$host</c>).
/// </summary>
internal sealed class RouteOptions
{
    /// <summary>The label value (unless a <see cref="Replacement"/> gives one); lowercase letters, digits and _.</summary>
    public string Name { get; set; } = "";

    /// <summary>A path prefix (<c>/api</c>) or a glob (<c>*</c> one segment, <c>**</c> the rest).</summary>
    public string? Pattern { get; set; }

    /// <summary>A .NET regular expression matched on the path without its query, in linear time (no lookarounds or backreferences).</summary>
    public string? Regex { get; set; }

    /// <summary>
    /// The label value for a <see cref="Regex"/> match instead of <see cref="Name"/>; may refer to groups
    /// (<c>${version}</c>, <c>$1</c>), and then has at most <see cref="MaxValues"/> values, beyond which it is <see cref="Name"/>.
    /// </summary>
    public string? Replacement { get; set; }

    /// <summary>A regular expression that <c>$host</c> must match as well (the format must log <c>$host</c>).</summary>
    public string? Host { get; set; }

    /// <summary>The most values a <see cref="Replacement"/> with group references may produce.</summary>
    public int MaxValues { get; set; } = RouteTable.DefaultMaxValues;
}

/// <summary>Checks <see cref="WatcherOptions"/> at start; each message names the setting, the problem and the value.</summary>
internal sealed class WatcherOptionsValidator : IValidateOptions<WatcherOptions>
{
    public const int MinLineBytes = 256;
    public const int MaxMaxLineBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The cap on label sets: each costs up to <see cref="State.StateSize.BytesPerLabelSet"/> bytes in each of
    /// the two state slots and some memory in four copies of the values; beyond a few thousand series an
    /// exporter is not the tool for the job.
    /// </summary>
    public const int MaxMaxLabelSets = 10_000;

    /// <summary>Route names are label values: short.</summary>
    public const int MaxRouteNameLength = 64;

    public ValidateOptionsResult Validate(string? name, WatcherOptions options)
    {
        var failures = Check(options, checkStateDirectory: true);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem, one line each (once mode skips the state folder).</summary>
    public static List<string> Check(WatcherOptions options, bool checkStateDirectory)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add("Watcher:Path must not be empty");
        }
        else
        {
            string full = System.IO.Path.GetFullPath(options.Path);
            string folder = System.IO.Path.GetDirectoryName(full) ?? "/";
            if (Directory.Exists(full))
            {
                failures.Add($"Watcher:Path {options.Path} is a folder, not a file");
            }
            else if (!Directory.Exists(folder))
            {
                failures.Add($"Watcher:Path folder {folder} does not exist");
            }
        }
        string? formatProblem = FormatProblem(options);
        if (formatProblem is not null)
        {
            failures.Add(formatProblem);
        }
        if (!string.Equals(options.StartAt, "beginning", StringComparison.OrdinalIgnoreCase) && !options.StartAtEnd)
        {
            failures.Add($"Watcher:StartAt must be \"beginning\" or \"end\" (got \"{options.StartAt}\")");
        }
        if (checkStateDirectory && options.SavesState && StateDirectoryProblem(options.StateDirectory!) is { } stateProblem)
        {
            failures.Add(stateProblem);
        }
        if (options.MaxLineBytes is < MinLineBytes or > MaxMaxLineBytes)
        {
            failures.Add($"Watcher:MaxLineBytes must be between {MinLineBytes} and {MaxMaxLineBytes} (got {options.MaxLineBytes})");
        }
        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.PollInterval > TimeSpan.FromSeconds(60))
        {
            failures.Add($"Watcher:PollInterval must be between 00:00:00.010 and 00:01:00 (got {options.PollInterval:c})");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        int failuresBeforeRoutes = failures.Count;
        bool? formatHasHost = null;
        for (int i = 0; i < options.Routes.Count; i++)
        {
            var route = options.Routes[i];
            if (!RouteTable.IsValidName(route.Name))
            {
                failures.Add($"Watcher:Routes:{i}:Name must be lowercase letters, digits and _ (got \"{route.Name}\")");
            }
            else if (route.Name.Length > MaxRouteNameLength)
            {
                failures.Add($"Watcher:Routes:{i}:Name must be at most {MaxRouteNameLength} characters (got {route.Name.Length})");
            }
            else if (route.Name == RouteTable.Other)
            {
                failures.Add($"Watcher:Routes:{i}:Name \"other\" is reserved for paths no route matches");
            }
            else if (!names.Add(route.Name))
            {
                failures.Add($"Watcher:Routes:{i}:Name \"{route.Name}\" is used twice");
            }
            RouteProblems($"Watcher:Routes:{i}", route, failures);
            if (!string.IsNullOrEmpty(route.Host) && formatProblem is null && !(formatHasHost ??= options.ResolveFormat().HasVariable("host")))
            {
                failures.Add($"Watcher:Routes:{i}:Host needs $host in the log format, which has none (got \"{route.Host}\")");
            }
        }
        if (failures.Count == failuresBeforeRoutes && options.Routes.Count > 0 && RouteTable.ValuesNeeded(options.Routes) is var values && values > RouteTable.MaxValues)
        {
            failures.Add($"Watcher:Routes can give at most {RouteTable.MaxValues} route values in all, each route's name or constant Replacement counting one and each Replacement with groups its MaxValues (got {values}); lower MaxValues");
        }
        BucketProblem("Watcher:DurationBuckets", options.DurationBuckets, failures);
        BucketProblem("Watcher:SizeBuckets", options.SizeBuckets, failures);
        if (options.MaxLabelSets is < 1 or > MaxMaxLabelSets)
        {
            failures.Add($"Watcher:MaxLabelSets must be between 1 and {MaxMaxLabelSets} (got {options.MaxLabelSets})");
        }
        if (options.SummaryInterval < TimeSpan.Zero)
        {
            failures.Add($"Watcher:SummaryInterval must be zero (no summary) or more (got {options.SummaryInterval:c})");
        }
        if (StubStatusSettings.UrlProblem(options.StubStatusUrl) is { } stubStatusProblem)
        {
            failures.Add(stubStatusProblem);
        }
        if (checkStateDirectory && options.SavesState && failures.Count == 0 && StateRoomProblem(options) is { } roomProblem)
        {
            failures.Add(roomProblem);
        }
        return failures;
    }

    /// <summary>The form of one route: exactly one of Pattern and Regex, and what fits each.</summary>
    private static void RouteProblems(string key, RouteOptions route, List<string> failures)
    {
        bool pattern = !string.IsNullOrEmpty(route.Pattern);
        bool regex = !string.IsNullOrEmpty(route.Regex);
        if (pattern && regex)
        {
            failures.Add($"{key} has both a Pattern and a Regex: give one");
        }
        else if (!pattern && !regex)
        {
            failures.Add($"{key} needs a Pattern (a path prefix or glob) or a Regex");
        }
        else if (pattern && RouteTable.PatternProblem(route.Pattern) is { } patternProblem)
        {
            failures.Add($"{key}:Pattern {patternProblem} (got \"{route.Pattern}\")");
        }
        string? regexProblem = regex ? RouteTable.RegexProblem(route.Regex!) : null;
        if (regexProblem is not null)
        {
            failures.Add($"{key}:Regex {regexProblem} (got \"{route.Regex}\")");
        }
        if (!string.IsNullOrEmpty(route.Replacement))
        {
            if (!regex)
            {
                failures.Add($"{key}:Replacement needs a Regex (got \"{route.Replacement}\")");
            }
            else if (regexProblem is null && RouteTable.ReplacementProblem(route.Regex!, route.Replacement) is { } replacementProblem)
            {
                failures.Add($"{key}:Replacement {replacementProblem} (got \"{route.Replacement}\")");
            }
        }
        if (!string.IsNullOrEmpty(route.Host) && RouteTable.RegexProblem(route.Host) is { } hostProblem)
        {
            failures.Add($"{key}:Host {hostProblem} (got \"{route.Host}\")");
        }
        if (route.MaxValues is < 1 or > RouteTable.MaxValues)
        {
            failures.Add($"{key}:MaxValues must be between 1 and {RouteTable.MaxValues} (got {route.MaxValues})");
        }
    }

    /// <summary>Reserves room for both state slots at their largest, so a volume too small fails now, not at a later save.</summary>
    private static string? StateRoomProblem(WatcherOptions options)
    {
        long slot = State.StateSize.SlotBound(options);
        return State.StateStore.Reserve(options.StateDirectory!, slot) is { } problem
            ? $"Watcher:StateDirectory {options.StateDirectory} has no room for the state: it needs up to 2 x {slot} bytes with Watcher:MaxLabelSets={options.MaxLabelSets} ({problem}); give the volume more room or lower Watcher:MaxLabelSets{(options.Routes.Any(RouteTable.Expands) ? " or the MaxValues of Watcher:Routes" : "")}"
            : null;
    }

    private static string? FormatProblem(WatcherOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.FormatFile))
        {
            if (string.IsNullOrWhiteSpace(options.FormatName))
            {
                return "Watcher:FormatName must name the log_format to read from Watcher:FormatFile";
            }
            if (!File.Exists(options.FormatFile))
            {
                return $"Watcher:FormatFile {options.FormatFile} does not exist";
            }
            try
            {
                return FormatCoverage.Problem(options.ResolveFormat()) is { } coverage
                    ? $"Watcher:FormatFile: log_format {options.FormatName}: {coverage}"
                    : null;
            }
            catch (LogFormatException e)
            {
                return $"Watcher:FormatFile: {e.Message}";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"Watcher:FormatFile {options.FormatFile} cannot be read: {e.Message}";
            }
        }
        if (string.IsNullOrWhiteSpace(options.Format))
        {
            return "Watcher:Format must not be empty (a name such as main or combined, or a log_format string)";
        }
        try
        {
            return FormatCoverage.Problem(LogFormat.Resolve(options.Format)) is { } coverage
                ? $"Watcher:Format: {coverage}"
                : null;
        }
        catch (LogFormatException e)
        {
            return $"Watcher:Format: {e.Message}";
        }
    }

    private static string? StateDirectoryProblem(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return $"Watcher:StateDirectory {folder} does not exist";
        }
        string probe = System.IO.Path.Combine(folder, $".watcher-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Watcher:StateDirectory {folder} is not writable: {e.Message}";
        }
    }

    private static void BucketProblem(string key, double[] bounds, List<string> failures)
    {
        for (int i = 0; i < bounds.Length; i++)
        {
            if (!double.IsFinite(bounds[i]) || bounds[i] <= 0)
            {
                failures.Add($"{key} must be positive numbers (got {Join(bounds)})");
                return;
            }
            if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                failures.Add($"{key} must be strictly increasing (got {Join(bounds)})");
                return;
            }
        }
    }

    private static string Join(double[] bounds) =>
        string.Join(" ", bounds.Select(b => b.ToString(CultureInfo.InvariantCulture)));
}
