using System.Collections.Concurrent;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>Several logs (a glob, or a list of paths) followed by one tailer: each exactly once, each with its own rotations.</summary>
public sealed class SeveralLogsTests : IDisposable
{
    private readonly TempFolder _folder = new("several-logs");
    private readonly ConcurrentDictionary<string, RecordingSink> _sinks = new(StringComparer.Ordinal);
    private readonly RecordingSink _main = new();
    private readonly RecordedLog<AccessLogTailer> _log = new();
    private CancellationTokenSource? _stop;
    private Task? _run;
    private AccessLogTailer? _tailer;

    public void Dispose()
    {
        _stop?.Cancel();
        _run?.Wait(TimeSpan.FromSeconds(10));
        _folder.Dispose();
    }

    private string LogOf(string name) => _folder.File(name);

    private RecordingSink SinkOf(string name) => _sinks.GetOrAdd(LogOf(name), _ => new RecordingSink());

    private void Start(IReadOnlyList<string> paths, TailCheckpoint? resume = null, int maxLogs = 16)
    {
        var settings = TailerHarness.Settings(_folder.File("unused.log"));
        _tailer = new AccessLogTailer(settings, _main, _main, TimeProvider.System, _log)
        {
            Paths = paths,
            MaxLogs = maxLogs,
            SinkForLog = path => _sinks.GetOrAdd(path, _ => new RecordingSink()),
        };
        _stop = new CancellationTokenSource();
        _run = _tailer.RunAsync(resume, _stop.Token);
    }

    private async Task<TailCheckpoint> StopAsync()
    {
        await _stop!.CancelAsync();
        await _run!;
        _run = null;
        return _main.Saved!;
    }

    private Task Lines(string name, int count) =>
        Eventually.Holds(() => SinkOf(name).LineCount >= count, TailerHarness.Within, $"{count} lines of {name} (have {SinkOf(name).LineCount})");

    /// <summary>Three more turns, asked for as a scrape asks: whatever was on disk before is read.</summary>
    private async Task Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            await _tailer!.Requests.NextTurnAsync().WaitAsync(TailerHarness.Within);
        }
    }

    [Fact]
    public async Task A_glob_follows_every_matching_log_each_to_its_own_sink_and_picks_up_a_new_one()
    {
        // Given two logs matching the glob, and a rotated sibling and another file that do not count as logs
        using (var a = new LogWriter(LogOf("site-a.access.log"))) { a.Lines("a", 3); }
        using (var b = new LogWriter(LogOf("site-b.access.log"))) { b.Lines("b", 2); }
        File.WriteAllText(LogOf("site-a.access.log.1"), "old\n");
        File.WriteAllText(LogOf("error.log"), "no\n");
        Start([_folder.File("*.access.log")]);

        // Then each log's lines reach its sink, in order, and nothing else is read
        await Lines("site-a.access.log", 3);
        await Lines("site-b.access.log", 2);
        Assert.Equal(LogWriter.Expected("a", 3), SinkOf("site-a.access.log").Lines);
        Assert.Equal(LogWriter.Expected("b", 2), SinkOf("site-b.access.log").Lines);
        Assert.False(_sinks.ContainsKey(LogOf("site-a.access.log.1")));

        // When a third log appears while it runs, it is read from its start
        using (var c = new LogWriter(LogOf("site-c.access.log"))) { c.Lines("c", 4); }
        await Lines("site-c.access.log", 4);
        Assert.Equal(LogWriter.Expected("c", 4), SinkOf("site-c.access.log").Lines);

        // And one checkpoint covers all three
        await Settle();
        Assert.Equal(3, _main.Saved!.Logs.Count);
    }

    [Fact]
    public async Task A_restart_resumes_every_log_at_its_own_position()
    {
        var a = new LogWriter(LogOf("a.log"));
        var b = new LogWriter(LogOf("b.log"));
        a.Lines("a", 2);
        b.Lines("b", 3);
        Start([LogOf("a.log"), LogOf("b.log")]);
        await Lines("a.log", 2);
        await Lines("b.log", 3);
        var saved = await StopAsync();

        // While stopped: more lines in both, and b is rotated
        a.Lines("more-a", 1);
        b.Lines("more-b", 1);
        b.Dispose();
        File.Move(LogOf("b.log"), LogOf("b.log.1"));
        using (var newB = new LogWriter(LogOf("b.log"))) { newB.Lines("new-b", 2); }
        _sinks.Clear();

        Start([LogOf("a.log"), LogOf("b.log")], saved);
        await Lines("a.log", 1);
        await Lines("b.log", 3);
        await Settle();
        Assert.Equal(["more-a0"], SinkOf("a.log").Lines);
        Assert.Equal(["more-b0", "new-b0", "new-b1"], SinkOf("b.log").Lines);
        // One rotation was counted, and it is b's: the tailer's one line about a rotation names b.log
        Assert.Equal([RotationKind.Renamed], _main.Rotations);
        var rotated = Assert.Single(_log.Lines, l => l.Message.Contains(": draining the old file", StringComparison.Ordinal));
        Assert.StartsWith(LogOf("b.log") + " was renamed", rotated.Message, StringComparison.Ordinal);
        a.Dispose();
    }

    [Fact]
    public async Task Logs_beyond_MaxLogs_are_reported_once_each_and_not_read()
    {
        using (var a = new LogWriter(LogOf("a.access.log"))) { a.Lines("a", 1); }
        using (var b = new LogWriter(LogOf("b.access.log"))) { b.Lines("b", 1); }
        Start([_folder.File("*.access.log")], maxLogs: 1);

        await Lines("a.access.log", 1);
        await Settle();
        await Settle();

        Assert.Equal([LogOf("b.access.log")], _main.LogsSkipped);
        Assert.Equal(0, SinkOf("b.access.log").LineCount);
    }

    [Theory]
    [InlineData("access.log.1", true)]
    [InlineData("access.log-20261126", true)]
    [InlineData("access.log-2026112613", true)]
    [InlineData("access.log.2.gz", true)]
    [InlineData("site-a.access.log", false)]
    [InlineData("access.log", false)]
    public void Names_of_rotated_files_never_count_as_logs_of_their_own(string name, bool rotated) =>
        Assert.Equal(rotated, LogPaths.LooksRotated(name));
}
