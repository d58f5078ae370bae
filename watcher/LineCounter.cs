using Microsoft.Extensions.Logging;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Receiving;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>
/// Counts the lines the tailer delivers into the staged values: each line is parsed with the log format and
/// counted under its label set (method, status and the configured labels), or counted as malformed or too long.
/// At each checkpoint it hands the values with the positions to the <see cref="StatePublisher"/>, which saves
/// and publishes them. Only the tailer's thread calls it.
/// </summary>
internal sealed class LineCounter : ILineSink, ITailEvents, IDatagramEvents
{
    private readonly LogFormat _format;
    private readonly MetricsLayout _layout;
    private readonly MetricValues _staged;
    private readonly RequestLabels _labels;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _throttle;
    private long _linesAtLastCheckpoint;

    public LineCounter(LogFormat format, WatcherMetrics metrics, RequestLabels labels, StatePublisher publisher, TimeProvider time, ILogger logger)
    {
        Metrics = metrics;
        _format = format;
        _layout = metrics.Layout;
        _staged = metrics.Staged;
        _labels = labels;
        Publisher = publisher;
        _time = time;
        _logger = logger;
        _throttle = new LogThrottle(time, TimeSpan.FromSeconds(10));
    }

    /// <summary>Lines left out of the request metrics (<c>Watcher:Exclude</c>).</summary>
    public LineFilter Filter { get; init; } = new([], -1);

    /// <summary>The values this counts into (staged) and what scrapes see (published).</summary>
    public WatcherMetrics Metrics { get; }

    /// <summary>Saves and publishes what this counts.</summary>
    public StatePublisher Publisher { get; }

    /// <summary>
    /// Receives a line that does not match the format, after it was counted, with why and its number among the
    /// lines read (<see cref="MetricValues.LinesRead"/>, from 1); the line is valid during the call only.
    /// </summary>
    public delegate void MalformedLineHandler(ReadOnlySpan<byte> line, ParseError error, long number);

    /// <summary>When set (once mode: examples for the summary, samples to guess the format from), called with every malformed line.</summary>
    public MalformedLineHandler? OnMalformedLine { get; init; }

    /// <summary>
    /// Restores the saved state into the values this counts (once; later calls return the same checkpoint) and
    /// returns the checkpoint to resume from. Lines restored are not new: the time of the last line stays.
    /// </summary>
    public TailCheckpoint? Restore()
    {
        var checkpoint = Publisher.Restore();
        _linesAtLastCheckpoint = _staged.LinesRead;
        return checkpoint;
    }

    public void OnLine(ReadOnlySpan<byte> line) => OnLine(line, log: 0);

    /// <summary>Where the lines of the log at <paramref name="path"/> go: counted under its <c>log</c> label when several logs are followed.</summary>
    public ILineSink ForLog(string path) =>
        _labels.Logs is { } logs ? new LogLines(this, logs.Intern(Tailing.LogPaths.LabelOf(path))) : this;

    public void OnLogSkipped(string path) => _staged.LogsSkipped++;

    private void OnLine(ReadOnlySpan<byte> line, int log)
    {
        var v = _staged;
        int capturing = Math.Max(_labels.Captures, Filter.UserAgentCapture + 1);
        scoped Span<Range> captures = capturing > 0 ? stackalloc Range[LabelKey.MaxDimensions] : default;
        scoped var record = default(AccessLogRecord);
        record.Captures = captures[..capturing];
        if (!_format.TryParse(line, ref record, out var error))
        {
            OnMalformed(line, error);
            return;
        }
        if (!Filter.IsEmpty && Filter.Excludes(ref record, line))
        {
            v.LinesExcluded++;
            return;
        }
        v.LinesParsed++;
        int id = _layout.GetOrAdd(_labels.KeyOf(ref record, line, log), out bool overflow);
        if (overflow)
        {
            v.LabelSetsOverflow++;
        }
        if (id >= v.LabelSetCount)
        {
            v.LabelSetCount = id + 1;
        }
        v.Requests[id]++;
        int series = _layout.SeriesOf(id);
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
        _staged.ParseError(error.Reason == ParseFailure.None ? ParseFailure.LiteralMismatch : error.Reason)++;
        OnMalformedLine?.Invoke(line, error, _staged.LinesRead);
        if (_throttle.ShouldLog("malformed", out long suppressed))
        {
            Log.MalformedLine(_logger, FormatGuess.Describe(_format, line, error), _format.Name, suppressed);
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

    public void OnNotSyslog() => _staged.MessagesNotSyslog++;

    public void OnDropped(long count) => _staged.MessagesDropped = Counter.Add(_staged.MessagesDropped, count);

    public void OnCheckpoint(TailCheckpoint checkpoint)
    {
        var v = _staged;
        v.BytesRead = Counter.Add(v.BytesRead, checkpoint.BytesRead);
        v.LagBytes = checkpoint.LagBytes;
        long lines = v.LinesRead;
        if (lines != _linesAtLastCheckpoint)
        {
            _linesAtLastCheckpoint = lines;
            v.LastLineTimestampSeconds = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        }
        Publisher.Checkpoint(v, checkpoint);
    }

    /// <summary>The lines of one of several logs: counted under its <c>log</c> label.</summary>
    private sealed class LogLines(LineCounter counter, int log) : ILineSink
    {
        public void OnLine(ReadOnlySpan<byte> line) => counter.OnLine(line, log);

        public void OnLineTooLong(long length) => counter.OnLineTooLong(length);
    }
}
