using System.Text;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.State;

/// <summary>
/// The largest state some settings allow, built through the real counting path: lines that make every label set
/// the cap allows, with the values JSON escapes most (<c>&lt;</c> is <c>\u003C</c>) at the longest a label may have,
/// histogram series for as many of them as the histograms' labels allow, then every counter set to its largest and
/// a checkpoint naming every log with all its files. For the routes of the state size tests only.
/// </summary>
internal static class WorstCaseState
{
    /// <summary>Every variable that feeds a family, and those the labels of the tests take.</summary>
    public const string Format = "$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $bytes_sent $request_length $request_time"
        + " $upstream_response_time $upstream_connect_time $upstream_header_time \"$upstream_cache_status\" \"$host\" \"$upstream_addr\"";

    /// <summary>Paths for the regex routes of the tests: a value of the route's own (the expanding ones have theirs made below).</summary>
    private static readonly Dictionary<string, string> RegexPaths = new(StringComparer.Ordinal)
    {
        ["^/users/[0-9]+$"] = "/users/42",
    };

    private const string Expanding = "^/t/(?<t>[^/]+)/";

    // The largest bucket counts a series can hold without its count (their sum) overflowing: 18 digits.
    private const long LargestBucket = 700_000_000_000_000_000;

    public static WatcherStateFile Fill(WatcherOptions options, string folder)
    {
        var (counter, metrics) = TestLines.Counter(LogFormat.Compile(Format), options);

        // The values of each label in a line ("other" last), the histograms' labels first: the first label sets
        // then have as many different series as there can be.
        var labels = new List<(string Role, bool OnHistograms, string[] Values)>
        {
            ("method", true, Methods()),
            ("status", false, Statuses(options.StatusClasses)),
        };
        if (options.Routes.Count > 0)
        {
            labels.Add(("route", true, RoutePaths(options.Routes)));
        }
        if (options.SeveralLogs)
        {
            labels.Add(("log", true, [.. Enumerable.Range(0, options.MaxLogs + 1).Select(i => Path.Combine(folder, Longest(i, 255 - 4) + ".log"))]));
        }
        foreach (var label in options.Labels)
        {
            labels.Add(("$" + label.VariableName, label.OnHistograms, [.. Enumerable.Range(0, label.MaxValues + 1).Select(i => Longest(i, LabelValues.MaxValueBytes))]));
        }
        labels = [.. labels.OrderByDescending(l => l.OnHistograms)];
        string[]? ValuesOf(string role) => labels.FirstOrDefault(l => l.Role == role).Values;

        long combinations = labels.Aggregate(1L, (n, l) => n * l.Values.Length);
        var sinks = new Dictionary<string, ILineSink>(StringComparer.Ordinal);
        var line = new Dictionary<string, string>(StringComparer.Ordinal);
        for (long i = 0; i < Math.Min(combinations, options.MaxLabelSets + 50L); i++)
        {
            long rest = i;
            foreach (var (role, _, values) in labels)
            {
                line[role] = values[(int)(rest % values.Length)];
                rest /= values.Length;
            }
            string text = $"10.0.0.1 [08/Jan/2020:08:59:14 +0000] \"{line["method"]} {line.GetValueOrDefault("route", "/")} HTTP/1.1\" {line["status"]} 999 999 999 0.100"
                + $" 0.050 0.010 0.020 \"HIT\" \"{line.GetValueOrDefault("$host", "example.com")}\" \"{line.GetValueOrDefault("$upstream_addr", "10.0.0.9:80")}\"";
            ILineSink sink = line.TryGetValue("log", out string? file)
                ? (sinks.TryGetValue(file, out var s) ? s : sinks[file] = counter.ForLog(file))
                : counter;
            sink.OnLine(Encoding.UTF8.GetBytes(text));
        }

        // Every counter at its largest.
        var v = metrics.Staged;
        foreach (var family in MetricFamilies.All)
        {
            switch (family.Shape)
            {
                case FamilyShape.PerLabelSet:
                    v.Counts(family).AsSpan(0, v.LabelSetCount).Fill(Counter.Max);
                    break;
                case FamilyShape.Histogram:
                    var histogram = v.Histogram(family);
                    histogram.Buckets.AsSpan(0, histogram.UsedSeries * histogram.Width).Fill(LargestBucket);
                    histogram.Sums.AsSpan(0, histogram.UsedSeries).Fill(StateSize.LongestDouble);
                    break;
                case FamilyShape.ByValue:
                case FamilyShape.Single:
                    v.Counts(family).AsSpan().Fill(Counter.Max);
                    break;
            }
        }

        // Every log with the files it can have open and remembered, at the largest positions.
        var far = new TailPosition(new FileIdentity(new FileId(ulong.MaxValue, ulong.MaxValue), ulong.MaxValue, FileFingerprint.MaxLength), long.MaxValue);
        string[] logPaths = ValuesOf("log") is { } logs ? logs[..options.MaxLogs] : [Path.GetFullPath(options.Path)];
        var checkpoint = new TailCheckpoint(
            [.. logPaths.Select(p => new LogPosition(p, far, [.. Enumerable.Repeat(far, StateSize.DrainingPerLog)], [.. Enumerable.Repeat(far, RotationFollower.RetiredCapacity)]))],
            0, 0)
        {
            TakenAt = DateTimeOffset.MaxValue,
        };
        return StateMapping.ToState(v, checkpoint, DateTimeOffset.MaxValue);
    }

    /// <summary>The methods: each known one, and one counted as other.</summary>
    private static string[] Methods() => [.. HttpMethods.Names.Take(HttpMethods.Other), "PROPFIND"];

    /// <summary>Statuses 100 to 599 (or one of each class) and one counted as other.</summary>
    private static string[] Statuses(bool classes) =>
        classes ? ["100", "200", "300", "400", "500", "600"] : [.. Enumerable.Range(100, 501).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>A path for each value the routes can give: each fixed one, each from the path at its longest, and other last.</summary>
    private static string[] RoutePaths(List<RouteOptions> routes)
    {
        var paths = new List<string>();
        foreach (var r in routes)
        {
            if (r.Pattern is { } pattern)
            {
                paths.Add(pattern);
            }
            else if (r.Regex == Expanding)
            {
                paths.Add("/t/" + new string('x', LabelValues.MaxValueBytes + 1) + "/"); // too long: counts under the route's name
                paths.AddRange(Enumerable.Range(0, r.MaxValues).Select(i => "/t/" + Longest(i, LabelValues.MaxValueBytes) + "/"));
            }
            else
            {
                paths.Add(RegexPaths[r.Regex!]);
            }
        }
        paths.Add("/nowhere");
        return [.. paths];
    }

    /// <summary>A value of <paramref name="bytes"/> bytes, different for each <paramref name="i"/>, that JSON escapes most.</summary>
    private static string Longest(int i, int bytes)
    {
        string id = i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
        return id + new string('<', bytes - id.Length);
    }
}
