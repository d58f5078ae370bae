namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Asks the tailer, from any thread, for a turn: read every log to its end, checkpoint, save and publish. The
/// requests that arrive before a turn starts share that turn; one that arrives while a turn runs is served by
/// the next. This is how a scrape gets every line that was in the logs when it arrived, without the tailer
/// waking for every write nginx makes.
/// </summary>
internal sealed class ReadRequests
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _next;
    private Action? _wake;
    private bool _stopped;

    /// <summary>
    /// Completes once a turn that started after this call has ended and its values were published; at once
    /// when the tailer has stopped. Before the tailer runs, its first turn serves the request.
    /// </summary>
    public Task NextTurnAsync()
    {
        Action? wake = null;
        Task turn;
        lock (_lock)
        {
            if (_stopped)
            {
                return Task.CompletedTask;
            }
            if (_next is null)
            {
                _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wake = _wake; // the first request for this turn wakes the tailer; the others join it
            }
            turn = _next.Task;
        }
        wake?.Invoke();
        return turn;
    }

    /// <summary>The running tailer: <paramref name="wake"/> ends its wait (safe from any thread).</summary>
    internal void Attach(Action wake)
    {
        bool pending;
        lock (_lock)
        {
            _wake = wake;
            _stopped = false;
            pending = _next is not null;
        }
        if (pending)
        {
            wake();
        }
    }

    /// <summary>Called as a turn starts: the requests it serves (null: none), to be completed when it ends.</summary>
    internal TaskCompletionSource? TakePending()
    {
        lock (_lock)
        {
            var pending = _next;
            _next = null;
            return pending;
        }
    }

    /// <summary>The tailer stopped: what is waiting is answered with what was published, and so is every later request.</summary>
    internal void Stop()
    {
        TaskCompletionSource? pending;
        lock (_lock)
        {
            _stopped = true;
            _wake = null;
            pending = _next;
            _next = null;
        }
        pending?.TrySetResult();
    }
}
