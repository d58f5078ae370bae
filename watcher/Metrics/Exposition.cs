using System.Globalization;
using System.Text;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Writes <see cref="MetricValues"/> in the Prometheus text format 0.0.4: HELP and TYPE per family,
/// histograms as cumulative <c>_bucket{le}</c> up to <c>+Inf</c> with <c>_sum</c> and <c>_count</c>,
/// label values escaped, numbers in the invariant culture (integers without exponent).
/// Never a client address or a raw path: the labels are method, status, route and fixed sets.
/// </summary>
internal static class Exposition
{
    public static void Write(StringBuilder text, MetricValues values)
    {
        WriteRequestMetrics(text, values);
        WriteSelfMetrics(text, values);
    }

    public static string ToText(MetricValues values)
    {
        var text = new StringBuilder(8192);
        Write(text, values);
        return text.ToString();
    }

    public static void WriteRequestMetrics(StringBuilder text, MetricValues v)
    {
        var layout = v.Layout;
        var features = layout.Features;
        PerLabelSet(text, v, "nginx_http_requests_total", "Requests logged by nginx.", v.Requests);
        if (features.BodyBytes)
        {
            PerLabelSet(text, v, "nginx_http_response_body_bytes_total", "Response body bytes sent to clients ($body_bytes_sent).", v.BodyBytes);
        }
        if (features.BytesSent)
        {
            PerLabelSet(text, v, "nginx_http_response_bytes_total", "Bytes sent to clients, headers included ($bytes_sent).", v.BytesSent);
        }
        if (features.RequestLength)
        {
            PerLabelSet(text, v, "nginx_http_request_bytes_total", "Request bytes received, line, headers and body ($request_length).", v.RequestBytes);
        }
        if (features.RequestTime)
        {
            Histogram(text, layout, "nginx_http_request_duration_seconds", "Time nginx spent on requests ($request_time).", v.RequestDuration);
        }
        if (features.UpstreamResponseTime)
        {
            Histogram(text, layout, "nginx_http_upstream_response_duration_seconds", "Time to receive the upstream response ($upstream_response_time, summed over upstreams).", v.UpstreamResponseDuration);
        }
        if (features.UpstreamConnectTime)
        {
            Histogram(text, layout, "nginx_http_upstream_connect_duration_seconds", "Time to connect to the upstream ($upstream_connect_time).", v.UpstreamConnectDuration);
        }
        if (features.UpstreamHeaderTime)
        {
            Histogram(text, layout, "nginx_http_upstream_header_duration_seconds", "Time to receive the upstream response header ($upstream_header_time).", v.UpstreamHeaderDuration);
        }
        if (features.BodyBytes)
        {
            Histogram(text, layout, "nginx_http_response_size_bytes", "Response body sizes ($body_bytes_sent).", v.ResponseSize);
        }
        if (features.CacheStatus)
        {
            Header(text, "nginx_http_upstream_cache_total", "Responses by cache status ($upstream_cache_status).", "counter");
            for (int i = 0; i < CacheStatuses.Names.Length; i++)
            {
                text.Append("nginx_http_upstream_cache_total{cache_status=\"").Append(CacheStatuses.Names[i]).Append("\"} ");
                Number(text, v.CacheStatus[i]).Append('\n');
            }
        }
    }

    public static void WriteSelfMetrics(StringBuilder text, MetricValues v)
    {
        Header(text, "watcher_lines_total", "Complete lines read from the access log, by result.", "counter");
        Sample(text, "watcher_lines_total", "result", "parsed", v.LinesParsed);
        Sample(text, "watcher_lines_total", "result", "malformed", v.LinesMalformed);
        Sample(text, "watcher_lines_total", "result", "too_long", v.LinesTooLong);

        Header(text, "watcher_parse_errors_total", "Lines that did not match the log format, by reason.", "counter");
        for (int i = 0; i < v.ParseErrors.Length; i++)
        {
            if ((ParseFailure)i != ParseFailure.None)
            {
                Sample(text, "watcher_parse_errors_total", "reason", ((ParseFailure)i).Label(), v.ParseErrors[i]);
            }
        }

        Counter(text, "watcher_bytes_read_total", "Bytes read from the access log.", v.BytesRead);

        Header(text, "watcher_rotations_total", "Rotations of the access log seen, by kind.", "counter");
        for (int i = 0; i < v.Rotations.Length; i++)
        {
            Sample(text, "watcher_rotations_total", "kind", ((RotationKind)i).Label(), v.Rotations[i]);
        }

        Header(text, "watcher_read_errors_total", "Failed reads of the access log (retried), and paths that name something other than a regular file, by reason.", "counter");
        for (int i = 0; i < v.ReadErrors.Length; i++)
        {
            Sample(text, "watcher_read_errors_total", "reason", ((ReadError)i).Label(), v.ReadErrors[i]);
        }
        Counter(text, "watcher_files_lost_total", "Rotated files that could not be read (deleted, or compressed before they were read, while the watcher was stopped): their unread lines are lost.", v.FilesLost);

        Header(text, "watcher_lag_bytes", "Bytes written to the access log and not read yet.", "gauge");
        text.Append("watcher_lag_bytes ");
        Number(text, v.LagBytes).Append('\n');
        Header(text, "watcher_last_line_timestamp_seconds", "Unix time the last line was read (0: none yet).", "gauge");
        text.Append("watcher_last_line_timestamp_seconds ");
        Number(text, v.LastLineTimestampSeconds).Append('\n');

        Counter(text, "watcher_state_saves_total", "Saves of the position and counters to the state folder.", v.StateSaves);
        Counter(text, "watcher_state_save_failures_total", "Saves of the state that failed (retried with the next batch).", v.StateSaveFailures);
        Counter(text, "watcher_state_resets_total", "Unreadable or invalid state files moved aside, counting started afresh.", v.StateResets);
        Counter(text, "watcher_label_sets_overflow_total", "Requests counted under method/status/route \"other\" because the label set cap was reached.", v.LabelSetsOverflow);
    }

    private static void PerLabelSet(StringBuilder text, MetricValues v, string name, string help, long[] values)
    {
        Header(text, name, help, "counter");
        var layout = v.Layout;
        for (int id = 0; id < v.LabelSetCount; id++)
        {
            var (method, status, route) = layout.LabelSet(id);
            text.Append(name).Append("{method=\"").Append(HttpMethods.Names[method])
                .Append("\",status=\"").Append(StatusLabel.Name(status)).Append('"');
            if (layout.Routes.Enabled)
            {
                text.Append(",route=\"");
                Escape(text, layout.Routes.ValueName(route)).Append('"');
            }
            text.Append("} ");
            Number(text, values[id]).Append('\n');
        }
    }

    private static void Histogram(StringBuilder text, MetricsLayout layout, string name, string help, HistogramValues h)
    {
        Header(text, name, help, "histogram");
        for (int method = 0; method < HttpMethods.Count; method++)
        {
            for (int route = 0; route < layout.RouteCount; route++)
            {
                int series = layout.HistogramSeriesOf(method, route);
                long count = h.Count(series);
                if (count == 0)
                {
                    continue; // a series appears with its first observation
                }
                string labels = $"method=\"{HttpMethods.Names[method]}\"" +
                    (layout.Routes.Enabled ? $",route=\"{EscapeString(layout.Routes.ValueName(route))}\"" : "");
                long cumulative = 0;
                for (int i = 0; i < h.Width; i++)
                {
                    cumulative += h.Buckets[series * h.Width + i];
                    text.Append(name).Append("_bucket{").Append(labels).Append(",le=\"");
                    if (i < h.Bounds.Length)
                    {
                        Number(text, h.Bounds[i]);
                    }
                    else
                    {
                        text.Append("+Inf");
                    }
                    text.Append("\"} ");
                    Number(text, cumulative).Append('\n');
                }
                text.Append(name).Append("_sum{").Append(labels).Append("} ");
                Number(text, h.Sums[series]).Append('\n');
                text.Append(name).Append("_count{").Append(labels).Append("} ");
                Number(text, count).Append('\n');
            }
        }
    }

    private static void Counter(StringBuilder text, string name, string help, long value)
    {
        Header(text, name, help, "counter");
        text.Append(name).Append(' ');
        Number(text, value).Append('\n');
    }

    private static void Sample(StringBuilder text, string name, string label, string value, long number)
    {
        text.Append(name).Append('{').Append(label).Append("=\"");
        Escape(text, value).Append("\"} ");
        Number(text, number).Append('\n');
    }

    private static void Header(StringBuilder text, string name, string help, string type)
    {
        text.Append("# HELP ").Append(name).Append(' ');
        // HELP text escapes only backslash and newline.
        foreach (char c in help)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
        text.Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>Appends a label value with <c>\</c>, <c>"</c> and newline escaped.</summary>
    public static StringBuilder Escape(StringBuilder text, string value)
    {
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
        return text;
    }

    public static string EscapeString(string value) => Escape(new StringBuilder(value.Length + 4), value).ToString();

    public static StringBuilder Number(StringBuilder text, long value) => text.Append(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Integral values without exponent or decimals; others in the shortest round-trip form.</summary>
    public static StringBuilder Number(StringBuilder text, double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return text.Append("+Inf");
        }
        if (double.IsNegativeInfinity(value))
        {
            return text.Append("-Inf");
        }
        if (double.IsNaN(value))
        {
            return text.Append("NaN");
        }
        if (value == Math.Floor(value) && Math.Abs(value) < 1e17)
        {
            return text.Append(((long)value).ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(value.ToString("R", CultureInfo.InvariantCulture));
    }
}
