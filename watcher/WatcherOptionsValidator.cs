using System.Globalization;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.StubStatus;

namespace Sidecars.Watcher;

/// <summary>
/// Checks <see cref="WatcherOptions"/> at start; each message names the setting, the problem and the value. It reads
/// the file system (folders that must exist, the nginx config a format comes from) but writes nothing: the state
/// folder is tried once the settings are right, by <see cref="StateDirectoryCheck"/>. It resolves the log format,
/// once, for <see cref="WatcherOptions.GetLogFormat"/>. The lists have their own checks:
/// <see cref="RouteOptionsValidator"/>, <see cref="LabelOptionsValidator"/>, <see cref="ExcludeOptionsValidator"/>.
/// </summary>
internal sealed class WatcherOptionsValidator : IValidateOptions<WatcherOptions>
{
    public static readonly TimeSpan MinReadInterval = TimeSpan.FromMilliseconds(10), MaxReadInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxCatchUpTimeout = TimeSpan.FromSeconds(10);
    public const int MinLineBytes = 256;
    public const int MaxMaxLineBytes = 16 * 1024 * 1024;
    public const int MinReceiveBufferBytes = 4096;
    public const int MaxReceiveBufferBytes = 64 * 1024 * 1024;
    public const int MinMessageBytes = 256;
    public const int MaxMaxMessageBytes = 65535;

    /// <summary>
    /// The cap on label sets: each costs up to <see cref="StateSize.BytesPerLabelSet"/> bytes in each of the two
    /// state slots and some memory in four copies of the values; beyond a few thousand series an exporter is not the
    /// tool for the job.
    /// </summary>
    public const int MaxMaxLabelSets = 10_000;

    /// <summary>
    /// The most memory the counters may take: every copy of them (<see cref="CountersBytes"/>) is allocated at start
    /// for every label set the cap allows, inside the heap the runtime allows in 128 MiB (three quarters of it).
    /// </summary>
    public const long MaxCountersBytes = 32L * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, WatcherOptions options)
    {
        var failures = Check(options, checkStateDirectory: true);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem, one line each (once mode skips the state folder, which it does not use).</summary>
    public static List<string> Check(WatcherOptions options, bool checkStateDirectory)
    {
        var failures = new List<string>();
        if (options.Receives)
        {
            ListenProblems(options, failures);
        }
        else
        {
            PathProblems(options, failures);
        }
        if (options.MaxLogs is < 1 or > 256)
        {
            failures.Add($"Watcher:MaxLogs must be between 1 and 256 (got {options.MaxLogs})");
        }
        string? formatProblem = FormatProblem(options, out var format);
        options.SetLogFormat(format);
        Add(failures, formatProblem);
        if (!string.Equals(options.StartAt, "beginning", StringComparison.OrdinalIgnoreCase) && !options.StartAtEnd)
        {
            failures.Add($"Watcher:StartAt must be \"beginning\" or \"end\" (got \"{options.StartAt}\")");
        }
        if (checkStateDirectory && options.SavesState && !Directory.Exists(options.StateDirectory))
        {
            failures.Add($"Watcher:StateDirectory {options.StateDirectory} does not exist");
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
        // A format that compiles but counts nothing is wrong, yet still tells which variables the labels can take.
        RouteOptionsValidator.Check(options.Routes, formatProblem is null ? format : null, failures);
        ExcludeOptionsValidator.Check(options.Exclude, format, failures);
        LabelOptionsValidator.Check(options.Labels, format, failures);
        if (failures.Count == 0)
        {
            // Measured only on routes that are right otherwise: a cost names a route that would run.
            Add(failures, RouteCost.Problem(options));
        }
        BucketProblem("Watcher:DurationBuckets", options.DurationBuckets, failures);
        BucketProblem("Watcher:SizeBuckets", options.SizeBuckets, failures);
        if (options.NativeHistograms != 0 && !(options.NativeHistograms > 1 && double.IsFinite(options.NativeHistograms)))
        {
            failures.Add($"Watcher:NativeHistograms must be 0 (off) or a bucket factor above 1, e.g. 1.1 (got {options.NativeHistograms.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        }
        if (options.MaxLabelSets is < 1 or > MaxMaxLabelSets)
        {
            failures.Add($"Watcher:MaxLabelSets must be between 1 and {MaxMaxLabelSets} (got {options.MaxLabelSets})");
        }
        if (failures.Count == 0)
        {
            Add(failures, CountersProblem(options));
        }
        if (options.SummaryInterval < TimeSpan.Zero)
        {
            failures.Add($"Watcher:SummaryInterval must be zero (no summary) or more (got {options.SummaryInterval:c})");
        }
        Add(failures, StubStatusSettings.UrlProblem(options.StubStatusUrl));
        if (checkStateDirectory && options.SavesState && failures.Count == 0)
        {
            Add(failures, StateTooLargeProblem(options));
        }
        return failures;
    }

    private static void Add(List<string> failures, string? problem)
    {
        if (problem is not null)
        {
            failures.Add(problem);
        }
    }

    /// <summary>Each log to follow: not empty, a glob only in the file name, not a folder, in a folder that exists.</summary>
    private static void PathProblems(WatcherOptions options, List<string> failures)
    {
        for (int i = 0; i < options.EffectivePaths.Count; i++)
        {
            string key = options.Paths.Count > 0 ? $"Watcher:Paths:{i}" : "Watcher:Path";
            string path = options.EffectivePaths[i];
            if (string.IsNullOrWhiteSpace(path))
            {
                failures.Add($"{key} must not be empty");
                continue;
            }
            string full = Path.GetFullPath(path);
            string folder = Path.GetDirectoryName(full) ?? "/";
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
    }

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

    /// <summary>
    /// Resolves the log format the settings name into <paramref name="format"/> (null when it cannot be) and says what
    /// is wrong with it, if anything: it cannot be read or compiled, or it logs none of the variables the watcher counts.
    /// </summary>
    private static string? FormatProblem(WatcherOptions options, out LogFormat? format)
    {
        format = null;
        bool fromFile = !string.IsNullOrWhiteSpace(options.FormatFile);
        if (fromFile && string.IsNullOrWhiteSpace(options.FormatName))
        {
            return "Watcher:FormatName must name the log_format to read from Watcher:FormatFile";
        }
        if (fromFile && !File.Exists(options.FormatFile))
        {
            return $"Watcher:FormatFile {options.FormatFile} does not exist";
        }
        if (!fromFile && string.IsNullOrWhiteSpace(options.Format))
        {
            return "Watcher:Format must not be empty (a name such as main or combined, or a log_format string)";
        }
        string setting = fromFile ? "Watcher:FormatFile" : "Watcher:Format";
        try
        {
            // An nginx config that cannot be read is a LogFormatException too.
            format = fromFile ? LogFormat.FromNginxConfig(options.FormatFile!, options.FormatName!) : LogFormat.Resolve(options.Format);
        }
        catch (LogFormatException e)
        {
            return $"{setting}: {e.Message}";
        }
        return FormatCoverage.Problem(format) is { } coverage
            ? $"{setting}: {(fromFile ? $"log_format {options.FormatName}: " : "")}{coverage}"
            : null;
    }

    /// <summary>
    /// The counters' memory with <paramref name="maxLabelSets"/>: five copies (counted, published, waiting to be saved,
    /// being saved, rendered), each with four counters and every histogram's buckets and sum for each label set, and
    /// with native histograms, at most <see cref="NativeSchema.DefaultMaxBuckets"/> buckets for each of the five.
    /// </summary>
    public static long CountersBytes(WatcherOptions options, int maxLabelSets) =>
        5L * (maxLabelSets + 1L) * sizeof(long) * (4 + (4 * (options.EffectiveDurationBuckets.Length + 2)) + options.EffectiveSizeBuckets.Length + 2
            + (options.NativeHistograms > 1 ? 5 * (NativeSchema.DefaultMaxBuckets + NativeSeriesOverhead) : 0));

    /// <summary>A native series' object, its array's header and its fields, in longs.</summary>
    private const int NativeSeriesOverhead = 8;

    private static string? CountersProblem(WatcherOptions options)
    {
        long bytes = CountersBytes(options, options.MaxLabelSets);
        if (bytes <= MaxCountersBytes)
        {
            return null;
        }
        // The bytes grow by CountersBytes(options, 0) with each label set (the "other" set counts too).
        int fits = (int)Math.Max(0, (MaxCountersBytes / CountersBytes(options, 0)) - 1);
        return $"Watcher:MaxLabelSets={options.MaxLabelSets} with {options.EffectiveDurationBuckets.Length} Watcher:DurationBuckets and {options.EffectiveSizeBuckets.Length} Watcher:SizeBuckets"
            + $" needs up to {Mebibytes(bytes)} for the counters (five copies of every bucket of every label set), more than the {Mebibytes(MaxCountersBytes)} the watcher has for them;"
            + (fits > 0 ? $" lower Watcher:MaxLabelSets to {fits} or less, or use fewer buckets" : " use fewer buckets");
    }

    /// <summary>Settings whose largest state the watcher could not save within its memory, with what multiplies it.</summary>
    private static string? StateTooLargeProblem(WatcherOptions options)
    {
        long slot = StateSize.SlotBound(options);
        if (slot <= StateSize.MaxSlotBytes)
        {
            return null;
        }
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
        int fits = StateSize.LargestMaxLabelSets(options);
        return $"Watcher:StateDirectory: Watcher:MaxLabelSets={options.MaxLabelSets}{(with.Count > 0 ? " with " + string.Join(", ", with) : "")}"
            + $" allows a saved state of up to {Mebibytes(slot)} a slot, more than the {Mebibytes(StateSize.MaxSlotBytes)} the watcher can save within its memory;"
            + (fits > 0 ? $" lower Watcher:MaxLabelSets to {fits} or less, or what the labels allow," : " lower what the labels allow,")
            + " or leave Watcher:StateDirectory empty (nothing saved)";
    }

    private static string Mebibytes(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MiB";

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
