using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>Converts between the in-memory values and the saved form (labels by name, so a changed route list or bucket layout restores what still fits).</summary>
internal static class StateMapping
{
    public static WatcherStateFile ToState(MetricValues v, TailCheckpoint? checkpoint, DateTimeOffset now)
    {
        var layout = v.Layout;
        var counters = new CounterState
        {
            LinesParsed = v.LinesParsed,
            LinesMalformed = v.LinesMalformed,
            LinesTooLong = v.LinesTooLong,
            BytesRead = v.BytesRead,
            StateSaves = v.StateSaves,
            StateSaveFailures = v.StateSaveFailures,
            StateResets = v.StateResets,
            LabelSetsOverflow = v.LabelSetsOverflow,
            FilesLost = v.FilesLost,
        };
        for (int id = 0; id < v.LabelSetCount; id++)
        {
            var (method, status, route) = layout.LabelSet(id);
            counters.LabelSets.Add(new LabelSetState
            {
                Method = HttpMethods.Names[method],
                Status = StatusLabel.Name(status),
                Route = layout.Routes.Enabled ? layout.Routes.ValueName(route) : null,
                Requests = v.Requests[id],
                BodyBytes = v.BodyBytes[id],
                BytesSent = v.BytesSent[id],
                RequestBytes = v.RequestBytes[id],
            });
        }
        foreach (var (name, histogram) in Histograms(v))
        {
            var state = new HistogramState { Bounds = histogram.Bounds };
            for (int method = 0; method < HttpMethods.Count; method++)
            {
                for (int route = 0; route < layout.RouteCount; route++)
                {
                    int series = layout.HistogramSeriesOf(method, route);
                    if (histogram.Count(series) == 0)
                    {
                        continue;
                    }
                    state.Series.Add(new HistogramSeriesState
                    {
                        Method = HttpMethods.Names[method],
                        Route = layout.Routes.Enabled ? layout.Routes.ValueName(route) : null,
                        Buckets = histogram.Buckets.AsSpan(series * histogram.Width, histogram.Width).ToArray(),
                        Sum = histogram.Sums[series],
                    });
                }
            }
            if (state.Series.Count > 0)
            {
                counters.Histograms[name] = state;
            }
        }
        for (int i = 0; i < v.CacheStatus.Length; i++)
        {
            if (v.CacheStatus[i] != 0)
            {
                counters.CacheStatus[CacheStatuses.Names[i]] = v.CacheStatus[i];
            }
        }
        for (int i = 0; i < v.ParseErrors.Length; i++)
        {
            if (v.ParseErrors[i] != 0)
            {
                counters.ParseErrors[((ParseFailure)i).Label()] = v.ParseErrors[i];
            }
        }
        for (int i = 0; i < v.Rotations.Length; i++)
        {
            if (v.Rotations[i] != 0)
            {
                counters.Rotations[((RotationKind)i).Label()] = v.Rotations[i];
            }
        }
        for (int i = 0; i < v.ReadErrors.Length; i++)
        {
            if (v.ReadErrors[i] != 0)
            {
                counters.ReadErrors[((ReadError)i).Label()] = v.ReadErrors[i];
            }
        }
        return new WatcherStateFile
        {
            SavedAt = now,
            Checkpoint = checkpoint is null ? null : new CheckpointState
            {
                Current = ToState(checkpoint.Current),
                Draining = checkpoint.Draining.Select(p => ToState(p)!).ToList(),
                Retired = checkpoint.Retired.Select(p => ToState(p)!).ToList(),
                TakenAt = checkpoint.TakenAt,
            },
            Counters = counters,
        };
    }

    /// <summary>
    /// Adds the saved counters into <paramref name="v"/> (fresh values) and returns the saved checkpoint.
    /// <paramref name="skipped"/> names what could not be restored (e.g. a histogram whose buckets changed).
    /// </summary>
    public static TailCheckpoint? Restore(WatcherStateFile state, MetricValues v, List<string> skipped)
    {
        var layout = v.Layout;
        var c = state.Counters;
        foreach (var set in c.LabelSets)
        {
            int method = HttpMethods.Index(set.Method);
            int status = int.TryParse(set.Status, out int s) ? StatusLabel.Normalize(s) : StatusLabel.Other;
            int route = RouteIndex(layout, set.Route);
            // Beyond the cap (it was lowered) a saved set merges into "other"; that is no new overflow: a
            // restart changes no counter.
            int id = layout.GetOrAdd(method, status, route, out _);
            v.Requests[id] = Counter.Add(v.Requests[id], set.Requests);
            v.BodyBytes[id] = Counter.Add(v.BodyBytes[id], set.BodyBytes);
            v.BytesSent[id] = Counter.Add(v.BytesSent[id], set.BytesSent);
            v.RequestBytes[id] = Counter.Add(v.RequestBytes[id], set.RequestBytes);
        }
        v.LabelSetCount = layout.LabelSetCount;
        foreach (var (name, saved) in c.Histograms)
        {
            var histogram = Histograms(v).FirstOrDefault(h => h.Name == name).Values;
            if (histogram is null)
            {
                continue;
            }
            if (!saved.Bounds.AsSpan().SequenceEqual(histogram.Bounds))
            {
                skipped.Add($"{name} (buckets changed)");
                continue;
            }
            foreach (var series in saved.Series)
            {
                if (series.Buckets.Length != histogram.Width)
                {
                    continue;
                }
                int index = layout.HistogramSeriesOf(HttpMethods.Index(series.Method), RouteIndex(layout, series.Route));
                for (int i = 0; i < histogram.Width; i++)
                {
                    ref long bucket = ref histogram.Buckets[index * histogram.Width + i];
                    bucket = Counter.Add(bucket, series.Buckets[i]);
                }
                histogram.Sums[index] += series.Sum;
                histogram.MarkUsed(index);
            }
        }
        foreach (var (name, count) in c.CacheStatus)
        {
            int i = Array.IndexOf(CacheStatuses.Names, name);
            ref long cached = ref v.CacheStatus[i >= 0 ? i : CacheStatuses.Other];
            cached = Counter.Add(cached, count);
        }
        v.LinesParsed = c.LinesParsed;
        v.LinesMalformed = c.LinesMalformed;
        v.LinesTooLong = c.LinesTooLong;
        for (int i = 0; i < v.ParseErrors.Length; i++)
        {
            v.ParseErrors[i] = c.ParseErrors.GetValueOrDefault(((ParseFailure)i).Label());
        }
        v.BytesRead = c.BytesRead;
        for (int i = 0; i < v.Rotations.Length; i++)
        {
            v.Rotations[i] = c.Rotations.GetValueOrDefault(((RotationKind)i).Label());
        }
        for (int i = 0; i < v.ReadErrors.Length; i++)
        {
            v.ReadErrors[i] = c.ReadErrors.GetValueOrDefault(((ReadError)i).Label());
        }
        v.FilesLost = c.FilesLost;
        v.StateSaves = c.StateSaves;
        v.StateSaveFailures = c.StateSaveFailures;
        v.StateResets = c.StateResets;
        v.LabelSetsOverflow = c.LabelSetsOverflow;
        var point = state.Checkpoint;
        return point is null
            ? null
            : new TailCheckpoint(ToPosition(point.Current), [.. point.Draining.Select(p => ToPosition(p)!.Value)], 0, 0)
            {
                Retired = [.. point.Retired.Select(p => ToPosition(p)!.Value)],
                // A state saved before checkpoints carried their time: the save was at most a few ms later.
                TakenAt = point.TakenAt ?? state.SavedAt,
            };
    }

    private static int RouteIndex(MetricsLayout layout, string? name) =>
        name is null ? LabelValues.OtherId : layout.Routes.Intern(name);

    /// <summary>The saved names of the histograms, in the order of <see cref="Histograms"/>.</summary>
    public static readonly string[] HistogramNames =
        ["request_duration", "upstream_response_duration", "upstream_connect_duration", "upstream_header_duration", "response_size"];

    private static IEnumerable<(string Name, HistogramValues Values)> Histograms(MetricValues v)
    {
        yield return ("request_duration", v.RequestDuration);
        yield return ("upstream_response_duration", v.UpstreamResponseDuration);
        yield return ("upstream_connect_duration", v.UpstreamConnectDuration);
        yield return ("upstream_header_duration", v.UpstreamHeaderDuration);
        yield return ("response_size", v.ResponseSize);
    }

    private static PositionState? ToState(TailPosition? position) => position is { } p
        ? new PositionState
        {
            Device = p.Identity.Device,
            Inode = p.Identity.Inode,
            Fingerprint = p.Identity.Fingerprint,
            FingerprintLength = p.Identity.FingerprintLength,
            Offset = p.Offset,
        }
        : null;

    private static TailPosition? ToPosition(PositionState? p) => p is null
        ? null
        : new TailPosition(new FileIdentity(p.Device, p.Inode, p.Fingerprint, p.FingerprintLength), p.Offset);
}
