using Prometheus;

namespace Sidecars.Writer;

/// <summary>The writer's metrics, created through the host's <see cref="IMetricFactory"/> (its own registry).</summary>
internal sealed class WriterMetrics
{
    private readonly Counter _linesWritten;
    private readonly Counter _failures;
    private readonly Counter _missedTicks;
    private readonly Gauge _lastWrite;
    private readonly Gauge _fileSize;
    private readonly Counter _trims;
    private readonly Counter _bytesWritten;
    private readonly Counter.Child _clockStepsBackward;
    private readonly Counter.Child _clockStepsForward;
    private readonly Dictionary<string, Counter.Child> _failuresByReason;

    public WriterMetrics(IMetricFactory factory)
    {
        _linesWritten = factory.CreateCounter("writer_lines_written_total", "Lines appended to the index file.");
        _failures = factory.CreateCounter(
            "writer_write_failures_total", "Ticks whose line could not be written, by reason.",
            new CounterConfiguration { LabelNames = ["reason"] });
        _missedTicks = factory.CreateCounter(
            "writer_missed_ticks_total", "Ticks skipped because the writer reached them too late (paused process, slow disk, clock jump).");
        _lastWrite = factory.CreateGauge(
            "writer_last_write_timestamp_seconds", "Tick time (Unix seconds) of the last line written.");
        _fileSize = factory.CreateGauge("writer_file_size_bytes", "Size of the index file after the last write.");
        _trims = factory.CreateCounter("writer_trims_total", "Times the index file was cut back to its newest Writer:MaxLines lines.");
        _bytesWritten = factory.CreateCounter(
            "writer_bytes_written_total", "Bytes written to disk: every line, plus the whole file again at each trim.");
        var clockSteps = factory.CreateCounter(
            "writer_clock_steps_total",
            "Steps of the wall clock larger than the interval (and at least 1 s), by direction; after a backward step the ticks start again at the new time.",
            new CounterConfiguration { LabelNames = ["direction"] });
        _clockStepsBackward = clockSteps.WithLabels("backward");
        _clockStepsForward = clockSteps.WithLabels("forward");
        // Every reason is exported from the start, at 0, so rate() and alerts see a series before the first failure.
        _failuresByReason = WriteFailure.Reasons.ToDictionary(r => r, r => _failures.WithLabels(r), StringComparer.Ordinal);
    }

    public double LinesWritten => _linesWritten.Value;

    public double MissedTicks => _missedTicks.Value;

    public double Trims => _trims.Value;

    public double FileSizeBytes => _fileSize.Value;

    public double LastWriteTimestampSeconds => _lastWrite.Value;

    public double Failures => _failuresByReason.Values.Sum(c => c.Value);

    public double FailuresFor(string reason) => _failuresByReason[reason].Value;

    public double BytesWritten => _bytesWritten.Value;

    public double ClockStepsBackward => _clockStepsBackward.Value;

    public double ClockStepsForward => _clockStepsForward.Value;

    public void Written(DateTimeOffset tick, IndexFileWrite write)
    {
        _linesWritten.Inc();
        _lastWrite.Set(tick.ToUnixTimeMilliseconds() / 1000.0);
        _fileSize.Set(write.SizeBytes);
        _bytesWritten.Inc(write.BytesWritten);
        if (write.Trimmed)
        {
            _trims.Inc();
        }
    }

    public void Failed(string reason) => _failuresByReason[reason].Inc();

    public void Missed(long ticks) => _missedTicks.Inc(ticks);

    public void ClockStepped(ClockStepDirection direction)
    {
        if (direction == ClockStepDirection.Backward)
        {
            _clockStepsBackward.Inc();
        }
        else if (direction == ClockStepDirection.Forward)
        {
            _clockStepsForward.Inc();
        }
    }
}
