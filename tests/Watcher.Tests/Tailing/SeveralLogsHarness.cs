using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// Runs an <see cref="AccessLogTailer"/> on several logs (globs or a list) in the background: each log's lines go
/// to a sink of its own, the events (rotations, read errors, files lost, skipped logs, checkpoints) to <see cref="Main"/>, and what it
/// logs to <see cref="Log"/>. Turns are asked for as a scrape asks; name events wake it too.
/// </summary>
internal sealed class SeveralLogsHarness : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RecordingSink> _sinks = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private SeveralLogsHarness(TailerSettings settings, IReadOnlyList<string> paths, int maxLogs, TailCheckpoint? resume, FakeTimeProvider? clock)
    {
        Clock = clock;
        Tailer = new AccessLogTailer(settings, Main, Main, (TimeProvider?)clock ?? TimeProvider.System, Log)
        {
            Paths = paths,
            MaxLogs = maxLogs,
            SinkForLog = path => _sinks.GetOrAdd(path, _ => new RecordingSink()),
        };
        _run = Tailer.RunAsync(resume, _stop.Token);
    }

    public AccessLogTailer Tailer { get; }

    public RecordingSink Main { get; } = new();

    public RecordedLog<AccessLogTailer> Log { get; } = new();

    public FakeTimeProvider? Clock { get; }

    /// <param name="settings">As <see cref="TailerHarness.Settings"/> gives them (its path is not used).</param>
    public static SeveralLogsHarness Start(IReadOnlyList<string> paths, TailerSettings settings, int maxLogs = 16, TailCheckpoint? resume = null, FakeTimeProvider? clock = null) =>
        new(settings, paths, maxLogs, resume, clock);

    /// <summary>The sink of the log at <paramref name="path"/> (an empty one until the tailer follows it).</summary>
    public RecordingSink SinkOf(string path) => _sinks.GetOrAdd(path, _ => new RecordingSink());

    /// <summary>Whether the tailer has a sink for the log at <paramref name="path"/> (it followed it at some point).</summary>
    public bool Followed(string path) => _sinks.ContainsKey(path);

    /// <summary>Every read error counted, by the <c>reason</c> label.</summary>
    public Dictionary<string, int> ReadErrors =>
        Main.ReadErrors.GroupBy(e => e.Label()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Files counted lost.</summary>
    public int FilesLost => Main.FilesLost;

    /// <summary>The paths the last checkpoint names.</summary>
    public IReadOnlyList<string?> SavedPaths => [.. Main.Saved?.Logs.Select(l => l.Path) ?? []];

    public string Messages => string.Join(" | ", Log.Lines.TakeLast(40).Select(l => l.Message));

    public Task Lines(string path, int count) =>
        Eventually.Holds(() => { Running(); return SinkOf(path).LineCount >= count; }, TailerHarness.Within,
            $"{count} lines of {Path.GetFileName(path)} (have {SinkOf(path).LineCount}); log: {Messages}");

    /// <summary>One turn that starts after this call, asked for as a scrape asks; fails the test if the tailer failed.</summary>
    public async Task Turn()
    {
        Running();
        await Tailer.Requests.NextTurnAsync().WaitAsync(TailerHarness.Within);
        Running();
    }

    /// <summary>Three more turns: whatever was on disk before is read.</summary>
    public async Task Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            await Turn();
        }
    }

    /// <summary>Throws the tailer's exception when it failed: the tailer must run until it is stopped.</summary>
    public void Running()
    {
        if (_run.IsFaulted)
        {
            _run.GetAwaiter().GetResult();
        }
        Assert.False(_run.IsCompleted, "the tailer stopped on its own");
    }

    public async Task<TailCheckpoint?> StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
        return Main.Saved;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_run.IsCompleted)
        {
            await _stop.CancelAsync();
            try
            {
                await _run;
            }
            catch (Exception)
            {
                // the test has reported it (Running)
            }
        }
        _stop.Dispose();
    }
}
