namespace Sidecars.Hosting;

/// <summary>
/// Runs bcrypt checks one at a time on a thread of its own, in an order that a flood of wrong passwords
/// cannot turn against a correct login. Clients are told apart by address (see
/// <see cref="BasicAuthenticator.ClientOf"/>):
/// <list type="bullet">
/// <item>a client that has sent no wrong password for <see cref="SuspectFor"/> is checked first, at once:
/// Prometheus' first scrape after a restart waits at most for the check in progress;</item>
/// <item>clients that have (suspects) take turns, one check each, and use at most half of one core:
/// after a check that took t, no suspect's check starts before t has passed again;</item>
/// <item>a client has at most <see cref="MostWaitingPerClient"/> checks waiting; more are refused
/// unchecked, so a flood neither grows the queue nor holds many connections with a request in progress.</item>
/// </list>
/// </summary>
internal sealed class PasswordCheckQueue : IDisposable
{
    /// <summary>Checks one client may have waiting.</summary>
    public const int MostWaitingPerClient = 4;

    /// <summary>How long a wrong password makes its client a suspect.</summary>
    public static readonly TimeSpan SuspectFor = TimeSpan.FromMinutes(10);

    // Suspects remembered at once (24 bytes each with the dictionary's own); the oldest give way.
    private const int MostSuspects = 4096;

    private readonly TimeProvider _time;
    private readonly Dictionary<UInt128, Queue<Check>> _waiting = [];
    private readonly List<UInt128> _turns = [];
    private readonly Dictionary<UInt128, long> _lastFailure = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _worker;
    private long _suspectsNotBefore;
    private long _checks;
    private bool _disposed;

    public PasswordCheckQueue(TimeProvider time)
    {
        _time = time;
        _suspectsNotBefore = time.GetTimestamp();
    }

    /// <summary>Checks run so far.</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>
    /// Queues <paramref name="check"/> (true: the password is right) for <paramref name="client"/>; false when
    /// the client already has <see cref="MostWaitingPerClient"/> checks waiting.
    /// </summary>
    public bool TryEnqueue(UInt128 client, Func<bool> check, out Task<bool> verdict)
    {
        var pending = new Check(client, check);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_waiting.TryGetValue(client, out var queue))
            {
                queue = new Queue<Check>();
                _waiting[client] = queue;
                _turns.Add(client);
            }
            else if (queue.Count >= MostWaitingPerClient)
            {
                verdict = Task.FromResult(false);
                return false;
            }
            queue.Enqueue(pending);
            _wake.TrySetResult();
            if (_worker is null)
            {
                // Started on first use: a sidecar without basic auth, or never asked, has no such thread.
                _worker = new Thread(Run) { IsBackground = true, Name = "bcrypt checks" };
                _worker.Start();
            }
        }
        verdict = pending.Verdict.Task;
        return true;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _wake.TrySetResult();
            foreach (var check in _waiting.Values.SelectMany(q => q))
            {
                check.Verdict.TrySetResult(false);
            }
            _waiting.Clear();
            _turns.Clear();
        }
    }

    private void Run()
    {
        while (true)
        {
            Check? next;
            TimeSpan wait;
            Task wake;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                next = TakeNext(out wait);
                if (next is null)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                wake = _wake.Task;
            }
            if (next is null)
            {
                WaitFor(wake, wait);
                continue;
            }
            long started = _time.GetTimestamp();
            bool passed;
            try
            {
                passed = next.Run();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A check that cannot be made is no proof of a password.
                passed = false;
            }
            long ended = _time.GetTimestamp();
            lock (_lock)
            {
                Interlocked.Increment(ref _checks);
                // Half a core: the next suspect waits as long as this check took.
                _suspectsNotBefore = ended + (ended - started);
                if (passed)
                {
                    _lastFailure.Remove(next.Client);
                }
                else
                {
                    MarkSuspect(next.Client, ended);
                }
            }
            next.Verdict.TrySetResult(passed);
        }
    }

    // The first waiting client that is no suspect; else the suspect whose turn it is, once the budget allows.
    private Check? TakeNext(out TimeSpan wait)
    {
        wait = Timeout.InfiniteTimeSpan;
        if (_turns.Count == 0)
        {
            return null;
        }
        long now = _time.GetTimestamp();
        int turn = _turns.FindIndex(client => !IsSuspect(client, now));
        if (turn < 0)
        {
            if (now < _suspectsNotBefore)
            {
                wait = _time.GetElapsedTime(now, _suspectsNotBefore);
                return null;
            }
            turn = 0;
        }
        var client = _turns[turn];
        _turns.RemoveAt(turn);
        var queue = _waiting[client];
        var next = queue.Dequeue();
        if (queue.Count == 0)
        {
            _waiting.Remove(client);
        }
        else
        {
            // To the back of the line: suspects take turns.
            _turns.Add(client);
        }
        return next;
    }

    private bool IsSuspect(UInt128 client, long now) =>
        _lastFailure.TryGetValue(client, out long failed) && _time.GetElapsedTime(failed, now) < SuspectFor;

    private void MarkSuspect(UInt128 client, long now)
    {
        if (_lastFailure.Count >= MostSuspects && !_lastFailure.ContainsKey(client))
        {
            foreach (var (old, failed) in _lastFailure)
            {
                if (_time.GetElapsedTime(failed, now) >= SuspectFor)
                {
                    _lastFailure.Remove(old);
                }
            }
            if (_lastFailure.Count >= MostSuspects)
            {
                _lastFailure.Remove(_lastFailure.MinBy(e => e.Value).Key);
            }
        }
        _lastFailure[client] = now;
    }

    private void WaitFor(Task wake, TimeSpan wait)
    {
        if (wait == Timeout.InfiniteTimeSpan)
        {
            wake.Wait();
            return;
        }
        using var cancel = new CancellationTokenSource();
        var delay = Task.Delay(wait, _time, cancel.Token);
        Task.WaitAny(wake, delay);
        cancel.Cancel();
    }

    private sealed class Check(UInt128 client, Func<bool> run)
    {
        public UInt128 Client { get; } = client;

        public TaskCompletionSource<bool> Verdict { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Run() => run();
    }
}
