using Sidecars.Watcher.Parsing;

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

    /// <summary>
    /// Native histograms beside the classic buckets, served to protobuf scrapes: a bucket factor as client_golang's
    /// NativeHistogramBucketFactor (1.1: each bucket at most 10 % wider than the one before, schema 3); 0: off.
    /// </summary>
    public double NativeHistograms { get; set; }

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

    // The log format the settings name, resolved by validation: a field, so configuration never binds it.
    private LogFormat? _logFormat;

    /// <summary>
    /// The log format <see cref="Format"/> (or <see cref="FormatFile"/> and <see cref="FormatName"/>) names, resolved
    /// once, by <see cref="WatcherOptionsValidator"/>, for everything after it to use.
    /// </summary>
    public LogFormat GetLogFormat() =>
        _logFormat ?? throw new InvalidOperationException("the log format is read before the settings were validated");

    /// <summary>Keeps the format validation resolved (null when it could not).</summary>
    internal void SetLogFormat(LogFormat? format) => _logFormat = format;
}
