using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// Runs an <see cref="AccessLogTailer"/> on a real file in the background with a recording sink, on the real
/// clock or on a <see cref="FakeTimeProvider"/> (the same loop: turns asked for, as scrapes ask, and name events
/// wake it either way; on the fake clock the read timer and every quiet period move only when the test advances
/// the clock).
/// </summary>
internal sealed class TailerHarness : IAsyncDisposable
{
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly TailerSettings _settings;

    private TailerHarness(TailerSettings settings, TailCheckpoint? resume, FakeTimeProvider? clock)
    {
        _settings = settings;
        Clock = clock;
        Tailer = new AccessLogTailer(settings, Sink, Sink, (TimeProvider?)clock ?? TimeProvider.System, Log)
        {
            AfterTurn = Turns.Enqueue,
        };
        _run = Tailer.RunAsync(resume, _stop.Token);
    }

    /// <summary>The fake clock, when the tailer runs on one.</summary>
    public FakeTimeProvider? Clock { get; }

    public RecordingSink Sink { get; } = new();

    /// <summary>What the tailer logged (named in a failure message).</summary>
    public RecordedLog<AccessLogTailer> Log { get; } = new();

    /// <summary>Every turn so far, by what started it.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ReadTrigger> Turns { get; } = new();

    public AccessLogTailer Tailer { get; }

    public static TailerSettings Settings(string path, bool startAtEnd = false, bool notifications = true, int maxLineBytes = 65536, int readBufferBytes = 1 << 20) =>
        new(path, startAtEnd, maxLineBytes, TimeSpan.FromMilliseconds(25), notifications, readBufferBytes)
        {
            DrainQuietPeriod = TimeSpan.FromMilliseconds(300),
        };

    public static TailerHarness Start(string path, TailCheckpoint? resume = null, bool startAtEnd = false, bool notifications = true, int maxLineBytes = 65536, int readBufferBytes = 1 << 20) =>
        Start(Settings(path, startAtEnd, notifications, maxLineBytes, readBufferBytes), resume);

    public static TailerHarness Start(TailerSettings settings, TailCheckpoint? resume = null) => new(settings, resume, null);

    /// <summary>A tailer on a fake clock that starts at the Unix epoch.</summary>
    public static TailerHarness StartOnFakeClock(TailerSettings settings, TailCheckpoint? resume = null) =>
        new(settings, resume, new FakeTimeProvider(DateTimeOffset.UnixEpoch));

    /// <summary>
    /// Asks for turns, as a scrape does, until at least <paramref name="count"/> lines arrived, lets the loop turn a
    /// few more times, then returns them all. On the fake clock the timer's turns never come unless the test
    /// advances it: only asked-for turns read, as in a pod where only scrapes come between two read intervals.
    /// </summary>
    public async Task<IReadOnlyList<string>> LinesAfter(int count)
    {
        var deadline = DateTime.UtcNow + Within;
        while (Sink.LineCount < count && DateTime.UtcNow < deadline)
        {
            await Turn();
            if (Sink.LineCount < count)
            {
                await Task.Delay(5);
            }
        }
        Assert.True(Sink.LineCount >= count,
            $"{count} lines (have {Sink.LineCount}: {string.Join(", ", Sink.Lines.Take(20))}; rotations {string.Join(", ", Sink.Rotations)}; last checkpoint {Sink.Saved}; now {DateTimeOffset.UtcNow:HH:mm:ss.fff}; log: {string.Join(" | ", Log.Lines.TakeLast(30).Select(l => l.Message))})");
        await Settle();
        return Sink.Lines;
    }

    /// <summary>One turn that starts after this call, asked for as a scrape asks; fails the test if the tailer failed.</summary>
    public async Task Turn()
    {
        Running();
        await Tailer.Requests.NextTurnAsync().WaitAsync(Within);
        Running();
    }

    /// <summary>Waits for three more turns, asked for: whatever was on disk before is read by then.</summary>
    public async Task Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            await Turn();
        }
    }

    /// <summary>True while the tailer runs; its exception if it failed.</summary>
    private bool Running()
    {
        if (_run.IsFaulted)
        {
            _run.GetAwaiter().GetResult();
        }
        return true;
    }

    public async Task<TailCheckpoint?> StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
        return Sink.Saved;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_run.IsCompleted)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }
}

/// <summary>
/// Appends to a log the way an nginx worker does: one open file, each write flushed and placed at the file's
/// current end (like O_APPEND, so a copytruncate leaves no hole), reading, renaming and deleting allowed.
/// </summary>
internal sealed class LogWriter(string path) : IDisposable
{
    private readonly FileStream _stream = new(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

    public LogWriter Write(string text) => Write(Encoding.Latin1.GetBytes(text));

    public LogWriter Write(byte[] bytes)
    {
        _stream.Seek(0, SeekOrigin.End);
        _stream.Write(bytes);
        _stream.Flush();
        return this;
    }

    public LogWriter Lines(string prefix, int count)
    {
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            text.Append(prefix).Append(i).Append('\n');
        }
        return Write(text.ToString());
    }

    public static string[] Expected(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => prefix + i)];

    public void Dispose() => _stream.Dispose();
}
