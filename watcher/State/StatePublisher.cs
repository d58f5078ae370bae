using Microsoft.Extensions.Logging;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// Restores the saved state, saves the checkpointed values and publishes them once saved. At each checkpoint
/// the tailer's thread hands over a copy of the values with the positions (<see cref="Checkpoint"/>); without a
/// state folder that copy is published at once. With one, it is saved and only then published, by
/// <see cref="SavePending"/> at the end of the tailer's turn (so once per read interval, per scrape, per
/// rotation, at most) and at shutdown: a long read checkpoints every few MiB, and none of those needs its own
/// save. Saves that keep failing turn readiness off.
/// </summary>
internal sealed class StatePublisher : IAsyncDisposable
{
    private readonly WatcherMetrics _metrics;
    private readonly MetricValues _staged;
    private readonly StateStore? _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _throttle;
    private readonly HealthState? _health;

    // Handed from the tailer's thread to the saver under _pendingLock; _saving only under _saveLock.
    private readonly Lock _pendingLock = new();
    private readonly Lock _saveLock = new();
    private MetricValues _pending;
    private MetricValues _saving;
    private TailCheckpoint? _pendingCheckpoint;
    private bool _hasPending;
    private long _saves;
    private long _saveFailures;
    private long _lastFailureTimestamp;
    private long _failingSinceTimestamp;
    private bool _madeNotReady;
    private bool _restored;

    public StatePublisher(WatcherMetrics metrics, StateStore? store, TimeProvider time, ILogger logger, HealthState? health = null)
    {
        _metrics = metrics;
        _staged = metrics.Staged;
        _store = store;
        _time = time;
        _logger = logger;
        _health = health;
        _throttle = new LogThrottle(time, TimeSpan.FromSeconds(10));
        _pending = new MetricValues(metrics.Layout);
        _saving = new MetricValues(metrics.Layout);
    }

    /// <summary>Where the state is saved; null without a state folder.</summary>
    public StateStore? Store => _store;

    /// <summary>Saves that keep failing for this long turn readiness off until one succeeds.</summary>
    public TimeSpan SaveFailureGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After a failed save, turns that serve scrapes do not try again for this long (the timer's turns do).</summary>
    public TimeSpan ScrapeSaveBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The checkpoint of the values last saved (or restored), null before any.</summary>
    public TailCheckpoint? LastSavedCheckpoint { get; private set; }

    /// <summary>
    /// Loads the saved state into the staged and published values and returns the checkpoint to resume
    /// from. Only the first call loads; later calls return the same checkpoint.
    /// </summary>
    public TailCheckpoint? Restore()
    {
        try
        {
            return RestoreOnce();
        }
        finally
        {
            _metrics.Restored = true;
        }
    }

    private TailCheckpoint? RestoreOnce()
    {
        if (_restored || _store is null)
        {
            return LastSavedCheckpoint;
        }
        _restored = true;
        var state = _store.Load(out string? problem);
        if (problem is null && state is not null && StateValidator.Problem(state) is { } invalid)
        {
            // Parses, but holds impossible values: as unusable as a damaged file, and never a crash loop.
            problem = $"invalid: {invalid}";
            if (_store.MoveAside() is { } moveProblem)
            {
                problem += $" (and it could not be moved aside: {moveProblem})";
            }
        }
        if (problem is not null)
        {
            Log.StateUnreadable(_logger, _store.Path, problem);
            _staged.StateResets++;
            _metrics.Publish(_staged);
            return null;
        }
        if (state is null)
        {
            return null;
        }
        var skipped = new List<string>();
        var checkpoint = StateMapping.Restore(state, _staged, skipped);
        if (skipped.Count > 0)
        {
            Log.StatePartlyRestored(_logger, string.Join(", ", skipped));
        }
        _saves = _staged.StateSaves;
        _saveFailures = _staged.StateSaveFailures;
        LastSavedCheckpoint = checkpoint;
        _metrics.Publish(_staged);
        Log.StateRestored(_logger, _store.Path, _staged.TotalRequests, state.SavedAt);
        return checkpoint;
    }

    /// <summary>
    /// The tailer's thread calls this at each checkpoint with the staged values: published at once without a
    /// state folder, else copied to be saved and published by <see cref="SavePending"/>.
    /// </summary>
    public void Checkpoint(MetricValues staged, TailCheckpoint checkpoint)
    {
        if (_store is null)
        {
            _metrics.Publish(staged);
            LastSavedCheckpoint = checkpoint;
            return;
        }
        lock (_pendingLock)
        {
            staged.CopyTo(_pending);
            _pendingCheckpoint = checkpoint;
            _hasPending = true;
        }
    }

    /// <summary>
    /// Saves the newest checkpointed values if they are not saved yet, then publishes them. False when
    /// the save failed (the values stay pending and unpublished). <paramref name="forScrape"/>: within
    /// <see cref="ScrapeSaveBackoff"/> of a failed save, do not try again (a flood of scrapes must not turn
    /// into a flood of failing writes; the timer's turns retry). Safe from any thread.
    /// </summary>
    public bool SavePending(bool forScrape = false)
    {
        if (_store is null)
        {
            return true;
        }
        lock (_saveLock)
        {
            if (forScrape && _lastFailureTimestamp != 0 && _time.GetElapsedTime(_lastFailureTimestamp) < ScrapeSaveBackoff)
            {
                return false; // saves are failing: scrapes show the last saved values, the timer retries
            }
            TailCheckpoint? checkpoint;
            lock (_pendingLock)
            {
                if (!_hasPending)
                {
                    return true;
                }
                (_pending, _saving) = (_saving, _pending);
                checkpoint = _pendingCheckpoint;
                _hasPending = false;
            }
            if (SaveAndPublish(_saving, checkpoint))
            {
                _lastFailureTimestamp = 0;
                _failingSinceTimestamp = 0;
                if (_madeNotReady)
                {
                    _madeNotReady = false;
                    _health?.SetReady();
                    Log.StateSavesRecovered(_logger, _store.Path);
                }
                return true;
            }
            _lastFailureTimestamp = _time.GetTimestamp();
            if (_failingSinceTimestamp == 0)
            {
                _failingSinceTimestamp = _lastFailureTimestamp;
            }
            else if (!_madeNotReady && _health is not null && _time.GetElapsedTime(_failingSinceTimestamp) >= SaveFailureGrace)
            {
                // The counters stand still on every graph while saves fail: say so where it is seen.
                _madeNotReady = true;
                _health.SetNotReady("state saves are failing");
            }
            lock (_pendingLock)
            {
                if (!_hasPending)
                {
                    // Retry these values unless newer ones arrived meanwhile.
                    (_pending, _saving) = (_saving, _pending);
                    _pendingCheckpoint = checkpoint;
                    _hasPending = true;
                }
            }
            return false;
        }
    }

    private bool SaveAndPublish(MetricValues values, TailCheckpoint? checkpoint)
    {
        values.StateSaves = _saves + 1;
        values.StateSaveFailures = _saveFailures;
        try
        {
            _store!.Save(StateMapping.ToState(values, checkpoint, _time.GetUtcNow()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _saveFailures++;
            _metrics.PublishSaveFailures(_saveFailures);
            if (_throttle.ShouldLog("save_failed", out long suppressed))
            {
                Log.StateSaveFailed(_logger, _store!.Path, e.Message, suppressed);
            }
            return false;
        }
        _saves++;
        LastSavedCheckpoint = checkpoint;
        _metrics.Publish(values);
        return true;
    }

    /// <summary>Saves what is pending; call after the tailer stopped.</summary>
    public Task StopAsync()
    {
        SavePending();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
