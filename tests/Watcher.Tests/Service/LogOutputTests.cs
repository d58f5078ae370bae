using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>
/// What the built watcher writes to its log: the periodic summary line (rate, share of 5xx, p95 request time,
/// malformed lines, lag) for each interval, and with <c>Log:Format=json</c> one JSON object per line.
/// </summary>
[Collection(WatcherProcess.Collection)]
public sealed partial class LogOutputTests : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new("watcher-log");
    private readonly string _log;

    public LogOutputTests()
    {
        // 20 requests, one of them a 503; request times: 10 x 3 ms, 8 x 200 ms, 2 x 400 ms; and 2 malformed lines.
        // With the default buckets the 19th of 20 (p95) is the 1st of the 2 in (0.25, 0.5]: 0.25 + 0.25 * 1/2.
        _log = _folder.File("access.log");
        var lines = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            string time = i < 10 ? "0.003" : i < 18 ? "0.200" : "0.400";
            lines.Add(TestLines.Timed("GET", "/", i == 5 ? 503 : 200, 10, time));
        }
        lines.Insert(7, "not a line of this format");
        lines.Add("nor this one");
        File.WriteAllLines(_log, lines);
    }

    public void Dispose() => _folder.Dispose();

    private WatcherProcess Start(params string[] more) => WatcherProcess.Start([
        $"--Watcher:Path={_log}", $"--Watcher:Format={TestLines.TimedFormat}", "--Watcher:ReadInterval=00:00:00.050",
        "--Watcher:SummaryInterval=00:00:01", .. more]);

    [Fact]
    public async Task Each_summary_line_describes_its_own_interval()
    {
        // Given a log written before the watcher starts (read in one go: every summary sees all of it or none)
        await using var watcher = Start();

        // When summaries are logged every second
        await Eventually.Holds(() => Summaries(watcher.Stdout).SkipWhile(s => s.LinesPerSecond == 0).Count() >= 2, Within,
            $"a summary with the lines and one after it; stdout: {watcher.Stdout}");

        // Then the first one with lines has their rate, the share of 5xx, the interpolated p95, the malformed count, no lag
        var summaries = Summaries(watcher.Stdout).SkipWhile(s => s.LinesPerSecond == 0).ToList();
        var first = summaries[0];
        Assert.Equal(("5.00", "0.375 s", 2, 0), (first.ServerErrorPercent, first.P95, first.Malformed, first.LagBytes));
        Assert.InRange(22 / first.LinesPerSecond, first.Seconds - 0.6, first.Seconds + 0.6); // 22 lines in its interval
        // And the next one covers only its own interval, in which nothing happened
        var next = summaries[1];
        Assert.Equal((0.0, "0.00", "n/a", 0, 0), (next.LinesPerSecond, next.ServerErrorPercent, next.P95, next.Malformed, next.LagBytes));
    }

    [Fact]
    public async Task With_log_format_json_every_line_is_one_json_object_with_the_event_and_its_values()
    {
        // Given the watcher logging JSON
        await using var watcher = Start("--Log:Format=json");

        // When it has logged a summary with the lines and is stopped
        await Eventually.Holds(() => Events(watcher.Stdout).Any(e => EventId(e) == 109 && e.GetProperty("LinesPerSecond").GetDouble() > 0),
            Within, $"a summary event with the lines; stdout: {watcher.Stdout}");
        Assert.Equal(0, await watcher.StopAsync());

        // Then every line of its output is one JSON object (CLEF) with a timestamp and a message template
        string[] lines = watcher.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            Assert.True(DateTimeOffset.TryParse(doc.RootElement.GetProperty("@t").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _), line);
            Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("@mt").GetString()), line);
        }
        Assert.Equal("", watcher.Stderr.Trim());

        // And each event carries its values as fields, not only in the text
        var events = Events(watcher.Stdout);
        var started = Assert.Single(events, e => EventId(e) == 101);
        Assert.Equal(_log, started.GetProperty("Path").GetString());
        Assert.Equal(watcher.Port, started.GetProperty("Port").GetInt32());
        var malformed = events.First(e => EventId(e) == 103);
        Assert.Equal("Warning", malformed.GetProperty("@l").GetString());
        var summary = events.First(e => EventId(e) == 109 && e.GetProperty("LinesPerSecond").GetDouble() > 0);
        Assert.Equal(5.0, summary.GetProperty("ServerErrorPercent").GetDouble(), 9);
        Assert.Equal("0.375 s", summary.GetProperty("P95").GetString());
        Assert.Equal(2, summary.GetProperty("Malformed").GetInt64());
        Assert.Equal(0, summary.GetProperty("LagBytes").GetInt64());
        var stopped = Assert.Single(events, e => EventId(e) == 110);
        Assert.Equal(20, stopped.GetProperty("Requests").GetInt64());
        Assert.Equal(2, stopped.GetProperty("Malformed").GetInt64());
    }

    private sealed record Summary(double LinesPerSecond, int Seconds, string ServerErrorPercent, string P95, long Malformed, long LagBytes);

    private static List<Summary> Summaries(string stdout) =>
        [.. SummaryLine().Matches(stdout).Select(m => new Summary(
            double.Parse(m.Groups["rate"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["seconds"].Value, CultureInfo.InvariantCulture),
            m.Groups["errors"].Value,
            m.Groups["p95"].Value,
            long.Parse(m.Groups["malformed"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["lag"].Value, CultureInfo.InvariantCulture)))];

    // Only lines that are JSON objects: the wait above runs while lines may be half written.
    private static List<JsonElement> Events(string stdout)
    {
        var events = new List<JsonElement>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                events.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
            }
        }
        return events;
    }

    private static int EventId(JsonElement e) =>
        e.TryGetProperty("EventId", out var id) && id.TryGetProperty("Id", out var number) ? number.GetInt32() : -1;

    [GeneratedRegex(@"Summary: (?<rate>[0-9.]+) lines/s over (?<seconds>[0-9]+) s, 5xx (?<errors>[0-9.]+)%, p95 request time (?<p95>[0-9.]+ s|n/a), (?<malformed>[0-9]+) malformed, lag (?<lag>[0-9]+) bytes")]
    private static partial Regex SummaryLine();
}
