using Microsoft.Extensions.Logging;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>
/// Turns the lines the tailer delivers into metrics. Each line updates the staged values; at each
/// checkpoint the staged values and the position are saved together (by a saver task, so reading
/// goes on meanwhile), and only then published. Without a state folder they are published at once.
/// Saves coalesce: while one is being written, newer checkpoints replace the pending one.
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

    // Handed from the tailer's thread to the saver under _pendingLock.
    private readonly Lock _pendingLock = new();
    private MetricValues _pending;
    private MetricValues _saving;
    private TailCheckpoint? _pendingCheckpoint;
    private bool _hasPending;
    private readonly SemaphoreSlim _signal = new(0);
    private Task? _saver;
    private volatile bool _stopping;
    private long _saves;
    private long _saveFailures;
    private long _lastSaveTimestamp;
    private long _linesAtLastCheckpoint;
    private bool _restored;

    public AccessLogProcessor(
        LogFormat format, WatcherMetrics metrics, StateStore? store, TimeProvider time, ILogger logger)
    {
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

    /// <summary>A save is skipped while the previous one is younger than this (saves coalesce meanwhile).</summary>
    public TimeSpan MinSaveInterval { get; init; } = TimeSpan.FromMilliseconds(5);

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

    /// <summary>Starts the saver (when there is a state folder).</summary>
    public void Start()
    {
        if (_store is not null && _saver is null)
        {
            _saver = Task.Run(SaveLoopAsync);
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
        int route = _layout.Routes.Enabled ? _layout.Routes.Match(record.Path) : 0;
        int id = _layout.GetOrAdd(method, status, route, out bool overflow);
        if (overflow)
        {
            v.LabelSetsOverflow++;
            method = HttpMethods.Other;
            route = _layout.OverflowRoute;
        }
        if (id >= v.LabelSetCount)
        {
            v.LabelSetCount = id + 1;
        }
        v.Requests[id]++;
        int series = _layout.HistogramSeriesOf(method, route);
        if (record.BodyBytesSent >= 0)
        {
            v.BodyBytes[id] += record.BodyBytesSent;
            v.ResponseSize.Observe(series, record.BodyBytesSent);
        }
        if (record.BytesSent >= 0)
        {
            v.BytesSent[id] += record.BytesSent;
        }
        if (record.RequestLength >= 0)
        {
            v.RequestBytes[id] += record.RequestLength;
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

    public void OnCheckpoint(TailCheckpoint checkpoint)
    {
        var v = _staged;
        v.BytesRead += checkpoint.BytesRead;
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
            if (!_hasPending)
            {
                _hasPending = true;
                _signal.Release();
            }
        }
    }

    private async Task SaveLoopAsync()
    {
        while (true)
        {
            if (!_stopping)
            {
                await _signal.WaitAsync().ConfigureAwait(false);
            }
            if (!_stopping)
            {
                var since = _time.GetElapsedTime(Interlocked.Read(ref _lastSaveTimestamp));
                if (since < MinSaveInterval)
                {
                    await Task.Delay(MinSaveInterval - since, _time).ConfigureAwait(false);
                }
            }
            TailCheckpoint? checkpoint;
            lock (_pendingLock)
            {
                if (!_hasPending)
                {
                    if (_stopping)
                    {
                        return;
                    }
                    continue;
                }
                (_pending, _saving) = (_saving, _pending);
                checkpoint = _pendingCheckpoint;
                _hasPending = false;
            }
            if (!SaveAndPublish(_saving, checkpoint))
            {
                lock (_pendingLock)
                {
                    if (!_hasPending)
                    {
                        // Retry these values unless newer ones arrived meanwhile.
                        (_pending, _saving) = (_saving, _pending);
                        _pendingCheckpoint = checkpoint;
                        _hasPending = true;
                        _signal.Release();
                    }
                }
                if (!_stopping)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time).ConfigureAwait(false);
                }
                else
                {
                    return;
                }
            }
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
        Interlocked.Exchange(ref _lastSaveTimestamp, _time.GetTimestamp());
        LastSavedCheckpoint = checkpoint;
        _metrics.Publish(values);
        return true;
    }

    /// <summary>Saves what is pending and stops the saver; call after the tailer stopped.</summary>
    public async Task StopAsync()
    {
        if (_saver is null)
        {
            return;
        }
        _stopping = true;
        _signal.Release();
        await _saver.ConfigureAwait(false);
        _saver = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _signal.Dispose();
    }
}
