using Sidecars.Watcher.Metrics;

namespace Sidecars.Watcher.State;

/// <summary>Turns a version 1 state (one log, fixed labels, named fields) into the current one, value for value.</summary>
internal static class StateMigration
{
    private static readonly (string V1, MetricFamily Family)[] Histograms =
    [
        ("request_duration", MetricFamilies.RequestDuration),
        ("upstream_response_duration", MetricFamilies.UpstreamResponseDuration),
        ("upstream_connect_duration", MetricFamilies.UpstreamConnectDuration),
        ("upstream_header_duration", MetricFamilies.UpstreamHeaderDuration),
        ("response_size", MetricFamilies.ResponseSize),
    ];

    public static WatcherStateFile FromV1(StateFileV1 v1)
    {
        var c = v1.Counters ?? new CounterState();
        var state = new WatcherStateFile { SavedAt = v1.SavedAt };
        if (v1.Checkpoint is { } checkpoint)
        {
            state.Logs.Add(new LogCheckpointState
            {
                Current = checkpoint.Current,
                Draining = checkpoint.Draining,
                Retired = checkpoint.Retired,
                TakenAt = checkpoint.TakenAt,
            });
        }
        foreach (var set in c.LabelSets ?? [])
        {
            if (set is null)
            {
                state.LabelSets.Add(null!); // kept, so validation reports it
                continue;
            }
            state.LabelSets.Add(new LabelSetState
            {
                Labels = Labels(set.Method, set.Status, set.Route),
                Values = new()
                {
                    [MetricFamilies.Requests.Name] = set.Requests,
                    [MetricFamilies.BodyBytes.Name] = set.BodyBytes,
                    [MetricFamilies.BytesSent.Name] = set.BytesSent,
                    [MetricFamilies.RequestBytes.Name] = set.RequestBytes,
                },
            });
        }
        foreach (var (name, histogram) in c.Histograms ?? [])
        {
            string familyName = Array.Find(Histograms, h => h.V1 == name).Family?.Name ?? name;
            state.Histograms[familyName] = histogram is null ? null! : new HistogramState
            {
                Bounds = histogram.Bounds,
                Series = [.. (histogram.Series ?? []).Select(s => s is null ? null! : new HistogramSeriesState
                {
                    Labels = Labels(s.Method, status: null, s.Route),
                    Buckets = s.Buckets,
                    Sum = s.Sum,
                })],
            };
        }
        state.Counters[MetricFamilies.Lines.Name] = new()
        {
            [LineResults.Names[LineResults.Parsed]] = c.LinesParsed,
            [LineResults.Names[LineResults.Malformed]] = c.LinesMalformed,
            [LineResults.Names[LineResults.TooLong]] = c.LinesTooLong,
        };
        state.Counters[MetricFamilies.ParseErrors.Name] = c.ParseErrors ?? [];
        state.Counters[MetricFamilies.Rotations.Name] = c.Rotations ?? [];
        state.Counters[MetricFamilies.ReadErrors.Name] = c.ReadErrors ?? [];
        state.Counters[MetricFamilies.CacheStatus.Name] = c.CacheStatus ?? [];
        state.Totals[MetricFamilies.BytesRead.Name] = c.BytesRead;
        state.Totals[MetricFamilies.FilesLost.Name] = c.FilesLost;
        state.Totals[MetricFamilies.StateSaves.Name] = c.StateSaves;
        state.Totals[MetricFamilies.StateSaveFailures.Name] = c.StateSaveFailures;
        state.Totals[MetricFamilies.StateResets.Name] = c.StateResets;
        state.Totals[MetricFamilies.LabelSetsOverflow.Name] = c.LabelSetsOverflow;
        return state;
    }

    private static Dictionary<string, string> Labels(string? method, string? status, string? route)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (method is not null)
        {
            labels["method"] = method;
        }
        if (status is not null)
        {
            labels["status"] = status;
        }
        if (route is not null)
        {
            labels["route"] = route;
        }
        return labels;
    }
}
