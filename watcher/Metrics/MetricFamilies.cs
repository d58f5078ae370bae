using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Every metric family the watcher exports, once, in exposition order. Each entry's index is its place in
/// <see cref="All"/>; <see cref="MetricValues"/>, <see cref="Exposition"/>, the saved state and its validation
/// are driven from this table.
/// </summary>
internal static class MetricFamilies
{
    public static readonly MetricFamily Requests = new(0, "nginx_http_requests_total",
        "Requests logged by nginx.", FamilyShape.PerLabelSet);

    public static readonly MetricFamily BodyBytes = new(1, "nginx_http_response_body_bytes_total",
        "Response body bytes sent to clients ($body_bytes_sent).", FamilyShape.PerLabelSet, FedBy: "body_bytes_sent");

    public static readonly MetricFamily BytesSent = new(2, "nginx_http_response_bytes_total",
        "Bytes sent to clients, headers included ($bytes_sent).", FamilyShape.PerLabelSet, FedBy: "bytes_sent");

    public static readonly MetricFamily RequestBytes = new(3, "nginx_http_request_bytes_total",
        "Request bytes received, line, headers and body ($request_length).", FamilyShape.PerLabelSet, FedBy: "request_length");

    public static readonly MetricFamily RequestDuration = new(4, "nginx_http_request_duration_seconds",
        "Time nginx spent on requests ($request_time).", FamilyShape.Histogram, FedBy: "request_time");

    public static readonly MetricFamily UpstreamResponseDuration = new(5, "nginx_http_upstream_response_duration_seconds",
        "Time to receive the upstream response ($upstream_response_time, summed over upstreams).", FamilyShape.Histogram, FedBy: "upstream_response_time");

    public static readonly MetricFamily UpstreamConnectDuration = new(6, "nginx_http_upstream_connect_duration_seconds",
        "Time to connect to the upstream ($upstream_connect_time).", FamilyShape.Histogram, FedBy: "upstream_connect_time");

    public static readonly MetricFamily UpstreamHeaderDuration = new(7, "nginx_http_upstream_header_duration_seconds",
        "Time to receive the upstream response header ($upstream_header_time).", FamilyShape.Histogram, FedBy: "upstream_header_time");

    public static readonly MetricFamily ResponseSize = new(8, "nginx_http_response_size_bytes",
        "Response body sizes ($body_bytes_sent).", FamilyShape.Histogram, FedBy: "body_bytes_sent", SizeBuckets: true);

    public static readonly MetricFamily CacheStatus = new(9, "nginx_http_upstream_cache_total",
        "Responses by cache status ($upstream_cache_status).", FamilyShape.ByValue, FedBy: "upstream_cache_status",
        Label: "cache_status", Values: CacheStatuses.Names);

    public static readonly MetricFamily Lines = new(10, "watcher_lines_total",
        "Complete lines read from the access log, by result (excluded: dropped by Watcher:Exclude before the request metrics).", FamilyShape.ByValue,
        Label: "result", Values: LineResults.Names);

    public static readonly MetricFamily ParseErrors = new(11, "watcher_parse_errors_total",
        "Lines that did not match the log format, by reason.", FamilyShape.ByValue,
        Label: "reason", Values: [.. Enum.GetValues<ParseFailure>().Where(f => f != ParseFailure.None).Select(f => f.Label())]);

    public static readonly MetricFamily BytesRead = new(12, "watcher_bytes_read_total",
        "Bytes read from the access log.", FamilyShape.Single);

    public static readonly MetricFamily Rotations = new(13, "watcher_rotations_total",
        "Rotations of the access log seen, by kind.", FamilyShape.ByValue,
        Label: "kind", Values: [.. Enum.GetValues<RotationKind>().Select(k => k.Label())]);

    public static readonly MetricFamily ReadErrors = new(14, "watcher_read_errors_total",
        "Failed reads of the access log (retried), and paths that name something other than a regular file, by reason.", FamilyShape.ByValue,
        Label: "reason", Values: [.. Enum.GetValues<ReadError>().Select(e => e.Label())]);

    public static readonly MetricFamily FilesLost = new(15, "watcher_files_lost_total",
        "Rotated files that could not be read (deleted, or compressed before they were read, while the watcher was stopped): their unread lines are lost.", FamilyShape.Single);

    public static readonly MetricFamily LagBytes = new(16, "watcher_lag_bytes",
        "Bytes written to the access log and not read yet.", FamilyShape.Gauge);

    public static readonly MetricFamily LastLineTimestamp = new(17, "watcher_last_line_timestamp_seconds",
        "Unix time the last line was read (0: none yet).", FamilyShape.Gauge);

    public static readonly MetricFamily StateSaves = new(18, "watcher_state_saves_total",
        "Saves of the position and counters to the state folder.", FamilyShape.Single);

    public static readonly MetricFamily StateSaveFailures = new(19, "watcher_state_save_failures_total",
        "Saves of the state that failed (retried with the next batch).", FamilyShape.Single);

    public static readonly MetricFamily StateResets = new(20, "watcher_state_resets_total",
        "Unreadable or invalid state files moved aside, counting started afresh.", FamilyShape.Single);

    public static readonly MetricFamily LabelSetsOverflow = new(21, "watcher_label_sets_overflow_total",
        "Requests counted under \"other\" label values because the label set cap (Watcher:MaxLabelSets) was reached.", FamilyShape.Single);

    public static readonly MetricFamily LogsSkipped = new(22, "watcher_logs_skipped_total",
        "Logs that match the paths but were not followed: Watcher:MaxLogs were followed already.", FamilyShape.Single);

    public static readonly MetricFamily MessagesNotSyslog = new(23, "watcher_messages_not_syslog_total",
        "Datagrams received on Watcher:Listen without a syslog header, skipped.", FamilyShape.Single);

    public static readonly MetricFamily MessagesDropped = new(24, "watcher_messages_dropped_total",
        "Datagrams the kernel dropped before the watcher received them on Watcher:Listen (a full receive buffer; UDP only: a Unix socket makes nginx's send fail instead).", FamilyShape.Single);

    public static readonly MetricFamily NativeResolutionReductions = new(25, "watcher_native_histogram_resolution_reductions_total",
        "Times a native histogram series had its resolution halved (schema minus one) to stay within 160 buckets (Watcher:NativeHistograms).",
        FamilyShape.Single, Native: true);

    public static readonly MetricFamily[] All =
    [
        Requests, BodyBytes, BytesSent, RequestBytes,
        RequestDuration, UpstreamResponseDuration, UpstreamConnectDuration, UpstreamHeaderDuration, ResponseSize,
        CacheStatus, Lines, ParseErrors, BytesRead, Rotations, ReadErrors, FilesLost, LagBytes, LastLineTimestamp,
        StateSaves, StateSaveFailures, StateResets, LabelSetsOverflow, LogsSkipped, MessagesNotSyslog, MessagesDropped,
        NativeResolutionReductions,
    ];

    /// <summary>The family with this name, or null.</summary>
    public static MetricFamily? Named(string name) => Array.Find(All, f => f.Name == name);
}

/// <summary>The <c>result</c> label of <c>watcher_lines_total</c>.</summary>
internal static class LineResults
{
    public const int Parsed = 0;
    public const int Malformed = 1;
    public const int TooLong = 2;
    public const int Excluded = 3;

    public static readonly string[] Names = ["parsed", "malformed", "too_long", "excluded"];
}
