using System.Globalization;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;
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

    /// <summary>Several logs (paths or globs, <c>*</c> and <c>?</c> in the file name); when set, <see cref="Path"/> is not used.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>At most this many logs are followed (with <see cref="Paths"/> or a glob); more are logged and counted.</summary>
    public int MaxLogs { get; set; } = 16;

    /// <summary>The paths and globs to follow: <see cref="Paths"/> when set, else <see cref="Path"/>.</summary>
    public IReadOnlyList<string> EffectivePaths => Paths.Count > 0 ? Paths : [Path];

    /// <summary>Several logs (a glob, or more than one path): every request metric gets a <c>log</c> label.</summary>
    public bool SeveralLogs => !Receives && Tailing.LogPaths.AreSeveral(EffectivePaths);

    /// <summary>
    /// Receive nginx's <c>access_log syslog:</c> messages instead of following a log: <c>unixgram:/PATH</c> (a Unix
    /// datagram socket the watcher creates) or <c>udp://IP:PORT</c>. Empty: off, the log at <see cref="Path"/> is followed.
    /// </summary>
    public string? Listen { get; set; }

    /// <summary>The permissions of the Unix socket <see cref="Listen"/> creates, in octal: nginx's workers must be able to write to it.</summary>
    public string ListenMode { get; set; } = "0666";

    /// <summary>The kernel's receive buffer for <see cref="Listen"/> (SO_RCVBUF): datagrams beyond it are dropped (UDP) or refused (Unix).</summary>
    public int ReceiveBufferBytes { get; set; } = 1 << 20;

    /// <summary>Datagrams longer than this (syslog header included) are counted as too long, not parsed.</summary>
    public int MaxMessageBytes { get; set; } = 16384;

    /// <summary>Whether <see cref="Listen"/> is set: the watcher receives, it does not follow a log.</summary>
    public bool Receives => !string.IsNullOrWhiteSpace(Listen);

    /// <summary>The parsed <see cref="Listen"/> (after validation).</summary>
    public Receiving.ListenAddress GetListenAddress() => Receiving.ListenAddress.TryParse(Listen!.Trim(), out _)!;

    /// <summary>The parsed <see cref="ListenMode"/> (after validation).</summary>
    public UnixFileMode GetSocketMode() => (UnixFileMode)Convert.ToInt32(ListenMode, 8);

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

    /// <summary>
    /// How often every log is read to its end without a scrape asking (the lag gauge, the summaries, the saved
    /// position and the drain of rotated files move on at this pace). A scrape always reads first.
    /// </summary>
    public TimeSpan ReadInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest a scrape waits for the logs to be read to its end; past it, it is served what was published
    /// before it, and that is counted. Zero: scrapes never wait (they see what the last read published).
    /// </summary>
    public TimeSpan CatchUpTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Name-change notifications (inotify, never writes) make a rotation seen at once; without them the next read
    /// finds it.
    /// </summary>
    public bool UseNotifications { get; set; } = true;

    /// <summary>Named path patterns, tried in order; the first match names the <c>route</c> label.</summary>
    public List<RouteOptions> Routes { get; set; } = [];

    /// <summary>Labels taken from log_format variables (<c>$host</c>, <c>$upstream_addr</c>...), each with its own cap on values.</summary>
    public List<LabelOptions> Labels { get; set; } = [];

    /// <summary>Lines left out of the request metrics (counted as <c>excluded</c>): by user agent, path or status.</summary>
    public List<ExcludeOptions> Exclude { get; set; } = [];

    /// <summary>The <c>status</c> label as its class (<c>2xx</c>) instead of the code: fewer series.</summary>
    public bool StatusClasses { get; set; }

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
/// A label of the request counters taken from a log_format variable: <see cref="Name"/>="<c>$variable</c>'s value",
/// at most <see cref="MaxValues"/> distinct values (the rest, and any not in <see cref="Allow"/> when it is given,
/// count as <c>other</c>). On the histograms too only with <see cref="OnHistograms"/>: a label there multiplies
/// every bucket.
/// </summary>
internal sealed class LabelOptions
{
    public string Name { get; set; } = "";
    public string Variable { get; set; } = "";
    public int MaxValues { get; set; } = 50;
    public List<string> Allow { get; set; } = [];
    public bool OnHistograms { get; set; }

    /// <summary>The variable's name without <c>$</c>.</summary>
    public string VariableName => Variable.TrimStart('$');
}

/// <summary>One rule of <c>Watcher:Exclude</c>: a line matching all it sets is left out of the request metrics.</summary>
internal sealed class ExcludeOptions
{
    /// <summary>A glob over <c>$http_user_agent</c>, e.g. <c>kube-probe/*</c>.</summary>
    public string? UserAgent { get; set; }

    /// <summary>A path prefix or glob, as a route's pattern, e.g. <c>/healthz</c>.</summary>
    public string? Path { get; set; }

    /// <summary>A status code or class, e.g. <c>404</c> or <c>4xx</c>.</summary>
    public string? Status { get; set; }
}

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
    public static readonly TimeSpan MinReadInterval = TimeSpan.FromMilliseconds(10), MaxReadInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxCatchUpTimeout = TimeSpan.FromSeconds(10);
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
        if (options.Receives)
        {
            ListenProblems(options, failures);
        }
        for (int i = 0; i < (options.Receives ? 0 : options.EffectivePaths.Count); i++)
        {
            string key = options.Paths.Count > 0 ? $"Watcher:Paths:{i}" : "Watcher:Path";
            string path = options.EffectivePaths[i];
            if (string.IsNullOrWhiteSpace(path))
            {
                failures.Add($"{key} must not be empty");
                continue;
            }
            string full = System.IO.Path.GetFullPath(path);
            string folder = System.IO.Path.GetDirectoryName(full) ?? "/";
            if (Tailing.LogPaths.IsGlob(folder))
            {
                failures.Add($"{key} {path}: a glob may only be in the file name, not in the folders");
            }
            else if (Directory.Exists(full))
            {
                failures.Add($"{key} {path} is a folder, not a file");
            }
            else if (!Directory.Exists(folder))
            {
                failures.Add($"{key} folder {folder} does not exist");
            }
        }
        if (options.MaxLogs is < 1 or > 256)
        {
            failures.Add($"Watcher:MaxLogs must be between 1 and 256 (got {options.MaxLogs})");
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
        if (options.ReadInterval < MinReadInterval || options.ReadInterval > MaxReadInterval)
        {
            failures.Add($"Watcher:ReadInterval must be between 10ms and 1m (got {Durations.Format(options.ReadInterval)})");
        }
        if (options.CatchUpTimeout < TimeSpan.Zero || options.CatchUpTimeout > MaxCatchUpTimeout)
        {
            failures.Add($"Watcher:CatchUpTimeout must be between 0s (scrapes do not wait) and 10s, below Prometheus' scrape timeout (got {Durations.Format(options.CatchUpTimeout)})");
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
        LabelProblems(options, failures);
        if (failures.Count == failuresBeforeRoutes && options.Routes.Count > 0 && RouteTable.ValuesNeeded(options.Routes) is var values && values > RouteTable.MaxValues)
        {
            failures.Add($"Watcher:Routes can give at most {RouteTable.MaxValues} route values in all, each route's Name or constant Replacement counting one and each Replacement with groups its MaxValues, not its Name (got {values}); lower MaxValues");
        }
        if (failures.Count == 0 && RouteCost.Problem(options) is { } costProblem)
        {
            // Measured only on routes that are right otherwise: a cost names a route that would run.
            failures.Add(costProblem);
        }
        BucketProblem("Watcher:DurationBuckets", options.DurationBuckets, failures);
        BucketProblem("Watcher:SizeBuckets", options.SizeBuckets, failures);
        if (options.MaxLabelSets is < 1 or > MaxMaxLabelSets)
        {
            failures.Add($"Watcher:MaxLabelSets must be between 1 and {MaxMaxLabelSets} (got {options.MaxLabelSets})");
        }
        if (failures.Count == 0 && CountersProblem(options) is { } countersProblem)
        {
            failures.Add(countersProblem);
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

    public const int MinReceiveBufferBytes = 4096;
    public const int MaxReceiveBufferBytes = 64 * 1024 * 1024;
    public const int MinMessageBytes = 256;
    public const int MaxMaxMessageBytes = 65535;

    /// <summary>
    /// The receiving settings (<c>Watcher:Listen</c> set): the address, what the path holds now, the socket's mode and
    /// the bounds. <c>Watcher:Path</c> is not read then (it has a default); <c>Watcher:Paths</c> must be empty.
    /// </summary>
    private static void ListenProblems(WatcherOptions options, List<string> failures)
    {
        var address = Receiving.ListenAddress.TryParse(options.Listen!.Trim(), out string? problem);
        if (address is null)
        {
            failures.Add($"Watcher:Listen {problem} (got \"{options.Listen}\")");
        }
        else if (address.Kind == Receiving.ListenKind.UnixDatagram && Receiving.SyslogReceiver.SocketPathProblem(address.SocketPath!) is { } pathProblem)
        {
            failures.Add($"Watcher:Listen {address}: {pathProblem}");
        }
        if (options.Paths.Count > 0)
        {
            failures.Add($"Watcher:Paths must be empty when Watcher:Listen is set: the watcher receives nginx's syslog messages or follows logs, not both (got {options.Paths.Count} paths); Watcher:Path is not read then");
        }
        if (string.IsNullOrEmpty(options.ListenMode) || options.ListenMode.Length > 4 || !options.ListenMode.All(c => c is >= '0' and <= '7'))
        {
            failures.Add($"Watcher:ListenMode must be permissions in octal, e.g. 0666 or 0660 (got \"{options.ListenMode}\")");
        }
        else if ((options.GetSocketMode() & UnixFileMode.UserWrite) == 0)
        {
            failures.Add($"Watcher:ListenMode must let the owner write (got {options.ListenMode})");
        }
        if (options.ReceiveBufferBytes is < MinReceiveBufferBytes or > MaxReceiveBufferBytes)
        {
            failures.Add($"Watcher:ReceiveBufferBytes must be between {MinReceiveBufferBytes} and {MaxReceiveBufferBytes} (got {options.ReceiveBufferBytes})");
        }
        if (options.MaxMessageBytes is < MinMessageBytes or > MaxMaxMessageBytes)
        {
            failures.Add($"Watcher:MaxMessageBytes must be between {MinMessageBytes} and {MaxMaxMessageBytes}, the largest datagram (got {options.MaxMessageBytes})");
        }
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

    /// <summary>
    /// Refuses settings whose largest state the watcher could not save within its memory, then reserves room for both
    /// state slots at their largest, so a volume too small fails now, not at a later save.
    /// </summary>
    private static string? StateRoomProblem(WatcherOptions options)
    {
        long slot = State.StateSize.SlotBound(options);
        if (slot > State.StateSize.MaxSlotBytes)
        {
            return StateTooLargeProblem(options, slot);
        }
        return State.StateDiskReservation.Reserve(options.StateDirectory!, slot) is { } problem
            ? $"Watcher:StateDirectory {options.StateDirectory} has no room for the state: it needs up to 2 x {slot} bytes with Watcher:MaxLabelSets={options.MaxLabelSets} ({problem}); give the volume more room or lower Watcher:MaxLabelSets{(options.Routes.Any(RouteTable.Expands) ? " or the MaxValues of Watcher:Routes" : "")}"
            : null;
    }

    /// <summary>
    /// The most memory the counters may take: every copy of them (<see cref="CountersBytes"/>) is allocated at start
    /// for every label set the cap allows, inside the heap the runtime allows in 128 MiB (three quarters of it).
    /// </summary>
    public const long MaxCountersBytes = 32L * 1024 * 1024;

    /// <summary>
    /// The counters' memory with <paramref name="maxLabelSets"/>: five copies (counted, published, waiting to be saved,
    /// being saved, rendered), each with four counters and every histogram's buckets and sum for each label set.
    /// </summary>
    public static long CountersBytes(WatcherOptions options, int maxLabelSets) =>
        5L * (maxLabelSets + 1L) * sizeof(long) * (4 + (4 * (options.EffectiveDurationBuckets.Length + 2)) + options.EffectiveSizeBuckets.Length + 2);

    private static string? CountersProblem(WatcherOptions options)
    {
        long bytes = CountersBytes(options, options.MaxLabelSets);
        if (bytes <= MaxCountersBytes)
        {
            return null;
        }
        int fits = (int)Math.Max(0, (MaxCountersBytes / CountersBytes(options, 0)) - 1);
        while (fits > 0 && CountersBytes(options, fits) > MaxCountersBytes)
        {
            fits--;
        }
        return $"Watcher:MaxLabelSets={options.MaxLabelSets} with {options.EffectiveDurationBuckets.Length} Watcher:DurationBuckets and {options.EffectiveSizeBuckets.Length} Watcher:SizeBuckets"
            + $" needs up to {Mebibytes(bytes)} for the counters (five copies of every bucket of every label set), more than the {Mebibytes(MaxCountersBytes)} the watcher has for them;"
            + (fits > 0 ? $" lower Watcher:MaxLabelSets to {fits} or less, or use fewer buckets" : " use fewer buckets");
    }

    private static string StateTooLargeProblem(WatcherOptions options, long slot)
    {
        // What multiplies the label sets and their size besides the cap itself.
        var with = new List<string>();
        if (options.Routes.Count > 0)
        {
            int values = RouteTable.ValuesNeeded(options.Routes);
            with.Add(options.Routes.Any(RouteTable.Expands) ? $"Watcher:Routes ({values} values, from the path: up to 256 bytes each)" : $"Watcher:Routes ({values} values)");
        }
        if (options.SeveralLogs)
        {
            with.Add($"Watcher:MaxLogs={options.MaxLogs}");
        }
        for (int i = 0; i < options.Labels.Count; i++)
        {
            with.Add($"Watcher:Labels:{i} ({options.Labels[i].Name}, {options.Labels[i].MaxValues} values{(options.Labels[i].OnHistograms ? ", on the histograms" : "")})");
        }
        if (options.DurationBuckets.Length > 0 || options.SizeBuckets.Length > 0)
        {
            with.Add($"{options.EffectiveDurationBuckets.Length} duration and {options.EffectiveSizeBuckets.Length} size buckets");
        }
        int fits = State.StateSize.LargestMaxLabelSets(options);
        return $"Watcher:StateDirectory: Watcher:MaxLabelSets={options.MaxLabelSets}{(with.Count > 0 ? " with " + string.Join(", ", with) : "")}"
            + $" allows a saved state of up to {Mebibytes(slot)} a slot, more than the {Mebibytes(State.StateSize.MaxSlotBytes)} the watcher can save within its memory;"
            + (fits > 0 ? $" lower Watcher:MaxLabelSets to {fits} or less, or what the labels allow," : " lower what the labels allow,")
            + " or leave Watcher:StateDirectory empty (nothing saved)";
    }

    private static string Mebibytes(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MiB";

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

    /// <summary>Labels from variables the watcher can have: the label set key holds 8 dimensions, 4 are its own.</summary>
    public const int MaxLabels = 4;

    private static readonly string[] ReservedLabels = ["method", "status", "route", "log", "le", "quantile", "job", "instance"];

    private static void LabelProblems(WatcherOptions options, List<string> failures)
    {
        LogFormat? format = null;
        try
        {
            format = options.ResolveFormat();
        }
        catch (Exception e) when (e is LogFormatException or IOException or UnauthorizedAccessException)
        {
            // reported as a format problem
        }
        // Checked whatever the labels say: too many labels must not hide a wrong exclude rule.
        ExcludeProblems(options, format, failures);
        if (options.Labels.Count > MaxLabels)
        {
            failures.Add($"Watcher:Labels may name at most {MaxLabels} labels (got {options.Labels.Count})");
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Labels.Count; i++)
        {
            var label = options.Labels[i];
            string key = $"Watcher:Labels:{i}";
            if (string.IsNullOrEmpty(label.Name) || label.Name.Length > 64 || label.Name.StartsWith("__", StringComparison.Ordinal)
                || !(char.IsAsciiLetter(label.Name[0]) || label.Name[0] == '_') || !label.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                failures.Add($"{key}:Name must be a Prometheus label name: letters, digits and _, not starting with a digit or __ (got \"{label.Name}\")");
            }
            else if (ReservedLabels.Contains(label.Name))
            {
                failures.Add($"{key}:Name \"{label.Name}\" is taken (reserved: {string.Join(", ", ReservedLabels)})");
            }
            else if (!names.Add(label.Name))
            {
                failures.Add($"{key}:Name \"{label.Name}\" is used twice");
            }
            if (string.IsNullOrWhiteSpace(label.VariableName))
            {
                failures.Add($"{key}:Variable must name a log_format variable, e.g. $host");
            }
            else if (format is not null && !format.HasVariable(label.VariableName))
            {
                failures.Add($"{key}:Variable ${label.VariableName} is not in the log format ({string.Join(" ", format.Variables.Select(v => "$" + v))})");
            }
            if (label.MaxValues is < 1 or > 10_000)
            {
                failures.Add($"{key}:MaxValues must be between 1 and 10000 (got {label.MaxValues})");
            }
        }
    }

    private static void ExcludeProblems(WatcherOptions options, LogFormat? format, List<string> failures)
    {
        for (int i = 0; i < options.Exclude.Count; i++)
        {
            var rule = options.Exclude[i];
            string key = $"Watcher:Exclude:{i}";
            if (string.IsNullOrEmpty(rule.UserAgent) && string.IsNullOrEmpty(rule.Path) && string.IsNullOrEmpty(rule.Status))
            {
                failures.Add($"{key} must set UserAgent, Path or Status (a rule that sets none would exclude every line)");
            }
            if (!string.IsNullOrEmpty(rule.UserAgent) && format is not null && !format.HasVariable("http_user_agent"))
            {
                failures.Add($"{key}:UserAgent needs $http_user_agent in the log format");
            }
            if (!string.IsNullOrEmpty(rule.Path) && RouteTable.PatternProblem(rule.Path) is { } pathProblem)
            {
                failures.Add($"{key}:Path {pathProblem} (got \"{rule.Path}\")");
            }
            if (!string.IsNullOrEmpty(rule.Status) && LineFilter.StatusProblem(rule.Status) is { } statusProblem)
            {
                failures.Add($"{key}:Status {statusProblem} (got \"{rule.Status}\")");
            }
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
