using Microsoft.Extensions.Time.Testing;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>A fake clock that knows how many of its one-shot timers are still pending (neither fired nor disposed).</summary>
internal sealed class TimerCountingTimeProvider : FakeTimeProvider
{
    private int _pending;

    public int PendingTimers => Volatile.Read(ref _pending);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var counted = new CountedTimer(this);
        Interlocked.Increment(ref _pending);
        counted.Inner = base.CreateTimer(s =>
        {
            counted.Done();
            callback(s);
        }, state, dueTime, period);
        return counted;
    }

    private sealed class CountedTimer(TimerCountingTimeProvider owner) : ITimer
    {
        private int _done;

        public ITimer Inner { get; set; } = null!;

        public void Done()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref owner._pending);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => Inner.Change(dueTime, period);

        public void Dispose()
        {
            Done();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Done();
            return Inner.DisposeAsync();
        }
    }
}
