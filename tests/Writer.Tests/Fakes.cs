using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

/// <summary>An index file in memory that can be told to fail the next appends with a given exception.</summary>
internal sealed class FakeIndexFile : IIndexFile
{
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    private Exception? _failure;
    private int _failuresLeft;

    public string Path => "/html/index.html";

    public int Attempts { get; private set; }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public void FailNext(Exception failure, int times)
    {
        lock (_lock)
        {
            _failure = failure;
            _failuresLeft = times;
        }
    }

    public IndexFileWrite Append(ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            Attempts++;
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                throw _failure!;
            }
            _lines.Add(Encoding.UTF8.GetString(line));
            return new IndexFileWrite(_lines.Sum(l => l.Length), Trimmed: false, BytesWritten: line.Length);
        }
    }

    /// <summary>Waits (polling, with a deadline) until the writer has tried <paramref name="attempts"/> appends.</summary>
    public void WaitForAttempts(int attempts)
    {
        var deadline = DateTime.UtcNow + WriterUnderTest.Patience;
        while (true)
        {
            lock (_lock)
            {
                if (Attempts >= attempts)
                {
                    return;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the writer made {Attempts} attempts, expected {attempts}");
            }
            Thread.Sleep(1);
        }
    }
}

/// <summary>Keeps every log line with its level.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, formatter(state, exception)));
        }
    }
}

/// <summary>
/// A fake clock that knows when the code under test is waiting on it: advancing before the writer has
/// created its timer would move time under a wait that then starts one interval too late. An advance is a
/// late wake-up: timers due on the way fire once the clock has reached its new time, as for a process that
/// was descheduled (a plain <see cref="FakeTimeProvider"/> fires them at their due time, and the code they
/// wake would race the rest of the advance). Its wall clock can also step (as NTP or <c>date -s</c> step it)
/// while the monotonic clock and the timers go on unchanged.
/// </summary>
internal sealed class WaitAwareTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly List<(TimerCallback Callback, object? State)> _dueDuringAdvance = [];
    private int _timersCreated;
    private int _timersSeen;
    private long _wallOffsetTicks;
    private bool _advancing;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _wallOffsetTicks));

    // The monotonic clock: the fake time without the wall clock's steps (the frequency is ticks per second).
    public override long GetTimestamp() => base.GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(s => Fire(callback, s), state, dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        return timer;
    }

    /// <summary>
    /// Waits until the code under test has started a new wait, then steps the wall clock only
    /// (<see cref="TimeProvider.GetUtcNow"/>); timestamps and timers do not move. A step made before that, while
    /// the writer is still between its append and its next wait, would be seen when it picks the next tick.
    /// </summary>
    public void StepWallClockWhileWaiting(TimeSpan by)
    {
        WaitForNewWait();
        Interlocked.Add(ref _wallOffsetTicks, by.Ticks);
    }

    /// <summary>Waits until the code under test has started a new wait, then moves the clock.</summary>
    public void AdvanceWhenWaiting(TimeSpan by)
    {
        WaitForNewWait();
        _timersSeen = Volatile.Read(ref _timersCreated);
        // Timers fire on this thread inside Advance; hold them until the clock is at its new time.
        _advancing = true;
        try
        {
            Advance(by);
        }
        finally
        {
            _advancing = false;
        }
        foreach (var (callback, state) in _dueDuringAdvance)
        {
            callback(state);
        }
        _dueDuringAdvance.Clear();
    }

    private void WaitForNewWait()
    {
        var deadline = DateTime.UtcNow + WriterUnderTest.Patience;
        while (Volatile.Read(ref _timersCreated) <= _timersSeen)
        {
            Assert.True(DateTime.UtcNow < deadline, "the writer never started waiting");
            Thread.Sleep(1);
        }
    }

    private void Fire(TimerCallback callback, object? state)
    {
        if (_advancing)
        {
            _dueDuringAdvance.Add((callback, state));
        }
        else
        {
            callback(state);
        }
    }
}
