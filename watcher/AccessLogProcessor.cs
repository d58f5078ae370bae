using Microsoft.Extensions.Logging;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>
/// Turns the lines the tailer delivers into metrics. Each line updates the staged values; at each
/// checkpoint the tailer's thread copies them, with the position, to a pending copy. Without a state
/// folder that copy is published at once. With one, the pending copy is saved and only then published:
/// every <see cref="SaveInterval"/> while something is unsaved, before each scrape (so a scrape sees what
/// was read until just before it), and at shutdown. Saves are cheap (<see cref="StateStore"/>), but a
/// busy log checkpoints thousands of times a second and none of those needs its own save.
/// </summary>
internal sealed class AccessLogProcessor : IAccessLogSink, IAsyncDisposable
{
    private readonly LogFormat _format;
    private readonly WatcherMetrics _metrics;
    private readonly MetricsLayout _layout;
    private readonly MetricValues _staged;
    private readonly StateStore? _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _throttle;

    // Handed from the tailer's thread to the saver under _pendingLock; _saving only under _saveLock.
    private readonly Lock _pendingLock = new();
    private readonly Lock _saveLock = new();
    private MetricValues _pending;
    private MetricValues _saving;
    private TailCheckpoint? _pendingCheckpoint;
    private bool _hasPending;
    private ITimer? _saveTimer;
    private long _saves;
    private long _saveFailures;
    private long _lastFailureTimestamp;
    private long _failingSinceTimestamp;
    private bool _madeNotReady;
    private readonly HealthState? _health;
    private long _linesAtLastCheckpoint;
    private bool _restored;

    public AccessLogProcessor(
        LogFormat format, WatcherMetrics metrics, StateStore? store, TimeProvider time, ILogger logger, HealthState? health = null)
    {
        _health = health;
        _format = format;
        _metrics = metrics;
        _layout = metrics.Layout;
        _staged = metrics.Staged;
        _store = store;
        _time = time;
        _logger = logger;
        _throttle = new LogThrottle(time, TimeSpan.FromSeconds(10));
        _pending = new MetricValues(_layout);
        _saving = new MetricValues(_layout);
    }

    /// <summary>How often unsaved values are saved (and then published) without a scrape asking for them.</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Saves that keep failing for this long turn readiness off until one succeeds.</summary>
    public TimeSpan SaveFailureGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After a failed save, scrapes do not try again for this long (the save timer does).</summary>
    public TimeSpan ScrapeSaveBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>When set (once mode), the first few malformed lines are kept here, described.</summary>
    public List<string>? MalformedExamples { get; init; }

    public int MaxMalformedExamples { get; init; } = 3;

    /// <summary>The checkpoint of the values last saved (or restored), null before any.</summary>
    public TailCheckpoint? LastSavedCheckpoint { get; private set; }

    /// <summary>The values last published, as far as the processor knows (for tests and the final log line).</summary>
    public MetricsLayout Layout => _layout;

    public long LinesSeen => _staged.LinesParsed + _staged.LinesMalformed + _staged.LinesTooLong;

    /// <summary>
    /// Loads the saved state into the staged and published values and returns the checkpoint to resume
    /// from. Only the first call loads; later calls return the same checkpoint.
    /// </summary>
    public TailCheckpoint? Restore()
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
        _linesAtLastCheckpoint = LinesSeen;
        LastSavedCheckpoint = checkpoint;
        _metrics.Publish(_staged);
        Log.StateRestored(_logger, _store.Path, _staged.TotalRequests, state.SavedAt);
        return checkpoint;
    }

    /// <summary>Starts saving (when there is a state folder): on a timer, and before each scrape.</summary>
    public void Start()
    {
        if (_store is not null && _saveTimer is null)
        {
            _saveTimer = _time.CreateTimer(static p => ((AccessLogProcessor)p!).SavePending(), this, SaveInterval, SaveInterval);
            _metrics.BeforeScrape = () => SavePending(fromScrape: true);
        }
    }

    public void OnLine(ReadOnlySpan<byte> line)
    {
        var v = _staged;
        var record = default(AccessLogRecord);
        if (!_format.TryParse(line, ref record, out var error))
        {
            OnMalformed(line, error);
            return;
        }
        v.LinesParsed++;
        int method = HttpMethods.Index(record.Method);
        int status = StatusLabel.Normalize(record.Status);
        int route = _layout.Routes.Match(record.Path, record.Host);
        int id = _layout.GetOrAdd(method, status, route, out bool overflow);
        if (overflow)
        {
            v.LabelSetsOverflow++;
            method = HttpMethods.Other;
            route = MetricsLayout.OverflowRoute;
        }
        if (id >= v.LabelSetCount)
        {
            v.LabelSetCount = id + 1;
        }
        v.Requests[id]++;
        int series = _layout.HistogramSeriesOf(method, route);
        if (record.BodyBytesSent >= 0)
        {
            v.BodyBytes[id] = Counter.Add(v.BodyBytes[id], record.BodyBytesSent);
            v.ResponseSize.Observe(series, record.BodyBytesSent);
        }
        if (record.BytesSent >= 0)
        {
            v.BytesSent[id] = Counter.Add(v.BytesSent[id], record.BytesSent);
        }
        if (record.RequestLength >= 0)
        {
            v.RequestBytes[id] = Counter.Add(v.RequestBytes[id], record.RequestLength);
        }
        if (IsTime(record.RequestTime))
        {
            v.RequestDuration.Observe(series, record.RequestTime);
        }
        if (IsTime(record.UpstreamResponseTime))
        {
            v.UpstreamResponseDuration.Observe(series, record.UpstreamResponseTime);
        }
        if (IsTime(record.UpstreamConnectTime))
        {
            v.UpstreamConnectDuration.Observe(series, record.UpstreamConnectTime);
        }
        if (IsTime(record.UpstreamHeaderTime))
        {
            v.UpstreamHeaderDuration.Observe(series, record.UpstreamHeaderTime);
        }
        if (!record.UpstreamCacheStatus.IsEmpty)
        {
            v.CacheStatus[CacheStatuses.Index(record.UpstreamCacheStatus)]++;
        }
    }

    private static bool IsTime(double seconds) => seconds >= 0 && double.IsFinite(seconds);

    private void OnMalformed(ReadOnlySpan<byte> line, ParseError error)
    {
        _staged.LinesMalformed++;
        int reason = (int)error.Reason;
        _staged.ParseErrors[(uint)reason < (uint)_staged.ParseErrors.Length ? reason : 0]++;
        if (MalformedExamples is { } examples && examples.Count < MaxMalformedExamples)
        {
            examples.Add($"line {LinesSeen}: {error.Describe(line)}");
        }
        if (_throttle.ShouldLog("malformed", out long suppressed))
        {
            Log.MalformedLine(_logger, error.Describe(line), _format.Name, suppressed);
        }
    }

    public void OnLineTooLong(long length)
    {
        _staged.LinesTooLong++;
        if (_throttle.ShouldLog("too_long", out long suppressed))
        {
            Log.LineTooLong(_logger, length, suppressed);
        }
    }

    public void OnRotation(RotationKind kind)
    {
        int i = (int)kind;
        if ((uint)i < (uint)_staged.Rotations.Length)
        {
            _staged.Rotations[i]++;
        }
    }

    public void OnReadError(ReadError error)
    {
        int i = (int)error;
        if ((uint)i < (uint)_staged.ReadErrors.Length)
        {
            _staged.ReadErrors[i]++;
        }
    }

    public void OnFileLost() => _staged.FilesLost++;

    public void OnCheckpoint(TailCheckpoint checkpoint)
    {
        var v = _staged;
        v.BytesRead = Counter.Add(v.BytesRead, checkpoint.BytesRead);
        v.LagBytes = checkpoint.LagBytes;
        long lines = LinesSeen;
        if (lines != _linesAtLastCheckpoint)
        {
            _linesAtLastCheckpoint = lines;
            v.LastLineTimestampSeconds = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        }
        if (_store is null)
        {
            _metrics.Publish(v);
            LastSavedCheckpoint = checkpoint;
            return;
        }
        lock (_pendingLock)
        {
            v.CopyTo(_pending);
            _pendingCheckpoint = checkpoint;
            _hasPending = true;
        }
    }

    /// <summary>
    /// Saves the newest checkpointed values if they are not saved yet, then publishes them. False when
    /// the save failed (the values stay pending and unpublished). Safe from any thread.
    /// </summary>
    public bool SavePending(bool fromScrape = false)
    {
        if (_store is null)
        {
            return true;
        }
        lock (_saveLock)
        {
            if (fromScrape && _lastFailureTimestamp != 0 && _time.GetElapsedTime(_lastFailureTimestamp) < ScrapeSaveBackoff)
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

    /// <summary>Stops the save timer and saves what is pending; call after the tailer stopped.</summary>
    public async Task StopAsync()
    {
        if (_saveTimer is not null)
        {
            await _saveTimer.DisposeAsync().ConfigureAwait(false);
            _saveTimer = null;
        }
        SavePending();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
