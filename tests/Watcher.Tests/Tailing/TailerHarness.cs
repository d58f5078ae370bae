using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sidecars.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// Runs an <see cref="AccessLogTailer"/> on a real file in the background with a recording sink, on the real
/// clock or on a <see cref="FakeTimeProvider"/> (the same loop: file events wake it either way; on the fake
/// clock the poll timer and every quiet period move only when the test advances the clock).
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
        Tailer = new AccessLogTailer(settings, Sink, (TimeProvider?)clock ?? TimeProvider.System, NullLogger<AccessLogTailer>.Instance);
        _run = Tailer.RunAsync(resume, _stop.Token);
    }

    /// <summary>The fake clock, when the tailer runs on one.</summary>
    public FakeTimeProvider? Clock { get; }

    public RecordingSink Sink { get; } = new();

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

    /// <summary>Waits until at least <paramref name="count"/> lines arrived, lets the loop turn a few more times, then returns them all.</summary>
    public async Task<IReadOnlyList<string>> LinesAfter(int count)
    {
        if (Clock is not null && !_settings.UseNotifications)
        {
            // Only the poll finds new lines: bring polls, one at a time, until they are there.
            for (int polls = 0; polls < 100 && Sink.LineCount < count; polls++)
            {
                long target = Tailer.Turns + 1;
                Clock.Advance(_settings.PollInterval);
                await Eventually.Holds(() => Running() && Tailer.Turns >= target, Within, "a loop turn");
            }
        }
        await Eventually.Holds(() => Running() && Sink.LineCount >= count, Within, $"{count} lines (have {Sink.LineCount}: {string.Join(", ", Sink.Lines.Take(20))}; rotations {string.Join(", ", Sink.Rotations)}; last checkpoint {Sink.Saved}; turns {Tailer.Turns}, last at {Tailer.LastTurnAt:HH:mm:ss.fff}, now {DateTimeOffset.UtcNow:HH:mm:ss.fff})");
        await Settle();
        return Sink.Lines;
    }

    /// <summary>
    /// Waits for three more loop turns: whatever was on disk before is read by then. On the fake clock each
    /// turn is a poll, brought by advancing the clock one poll interval.
    /// </summary>
    public async Task Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            long target = Tailer.Turns + 1;
            Clock?.Advance(_settings.PollInterval);
            await Eventually.Holds(() => Running() && Tailer.Turns >= target, Within, "a loop turn");
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
