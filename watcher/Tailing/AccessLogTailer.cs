using Microsoft.Extensions.Logging;
using Sidecars.Hosting;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Follows one access log and delivers every completed line exactly once, in file order, to the sink:
/// across rename-and-reopen rotation, copytruncate, deletion and re-creation (<see cref="RotationFollower"/>),
/// restarts (<see cref="CheckpointResumer"/>) and a file that does not exist yet.
/// <para>
/// The loop runs on one dedicated thread for the tailer's life: a turn reads everything there is, reports
/// a checkpoint, then blocks in <see cref="ChangeNotifier.Wait"/> until a followed file changes or the
/// poll timer (a <see cref="TimeProvider"/> timer, so a fake clock drives the same loop) wakes it.
/// Waiting costs nothing; a burst of writes costs one turn, since each turn reads to the end.
/// </para>
/// </summary>
internal sealed class AccessLogTailer(TailerSettings settings, IAccessLogSink sink, TimeProvider time, ILogger<AccessLogTailer> logger)
{
    private readonly byte[] _buffer = new byte[Math.Max(settings.ReadBufferBytes, FileFingerprint.MaxLength)];
    private readonly LogThrottle _throttle = new(time, TimeSpan.FromSeconds(10));
    private long _bytesSinceCheckpoint;
    private long _turns;
    private long _lastTurnTimestamp;

    /// <summary>Loop turns so far: it grows at least once per poll interval while the tailer runs.</summary>
    public long Turns => Interlocked.Read(ref _turns);

    /// <summary>Called at the end of every turn, on the tailer's thread (the service's liveness beat).</summary>
    public Action? OnTurn { get; init; }

    /// <summary>When the loop last completed a turn (for liveness), or null before the first one.</summary>
    public DateTimeOffset? LastTurnAt
    {
        get
        {
            long ticks = Interlocked.Read(ref _lastTurnTimestamp);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Follows the log on a thread of its own until cancelled, starting from <paramref name="resume"/>
    /// (the sink's last saved checkpoint) when given; the last checkpoint is reported before it ends.
    /// </summary>
    public Task RunAsync(TailCheckpoint? resume, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            () => Run(resume, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(TailCheckpoint? resume, CancellationToken ct)
    {
        using var files = new RotationFollower(settings, sink, time, logger);
        string folder = Path.GetDirectoryName(files.FullPath)!;
        using var notifier = new ChangeNotifier(folder, Path.GetFileName(files.FullPath), settings.UseNotifications, logger);
        using var poll = time.CreateTimer(static n => ((ChangeNotifier)n!).Wake(), notifier, settings.PollInterval, settings.PollInterval);
        using var stop = ct.Register(static n => ((ChangeNotifier)n!).Wake(), notifier);

        if (resume?.Of(files.FullPath) is { } saved)
        {
            new CheckpointResumer(settings, sink, logger).Resume(saved, resume.TakenAt, files, _buffer);
        }
        else
        {
            files.StartWithoutCheckpoint(_buffer);
        }
        var changes = Changes.Woken; // the first turn looks at everything
        while (!ct.IsCancellationRequested)
        {
            notifier.EnsureWatching();
            // When the only news is that followed files were written to, the path cannot have changed
            // (a rename, creation or deletion would have said so): no stat of the path, no fstat.
            Turn(files, dataOnly: changes == Changes.Data && notifier.IsWatching, ct);
            if (ct.IsCancellationRequested)
            {
                break;
            }
            changes = notifier.Wait();
        }
        if (files.Changed || _bytesSinceCheckpoint > 0)
        {
            Checkpoint(files);
        }
    }

    private void Turn(RotationFollower files, bool dataOnly, CancellationToken ct)
    {
        long ReadToEndOf(TailedFile file) => ReadToEnd(file, files, ct);
        try
        {
            for (int i = 0; i < files.Draining.Count; i++)
            {
                ReadToEndOf(files.Draining[i]);
            }
            // A write to the current file: read on. Nothing new, or anything else: look at the path and the
            // open file, then read. A copytruncate shows as a write too, and a read at the old offset then finds
            // nothing, unless nginx already wrote more than that offset again: so while the offset is small
            // enough for that to happen between the truncation and this read, the first bytes are checked too.
            if (!(dataOnly && files.Current is { } current
                && (current.ReadOffset >= settings.HeadCheckBelowOffset || files.CurrentStillStartsTheSame())
                && ReadToEndOf(current) > 0))
            {
                files.FollowPath(ReadToEndOf);
                if (files.Current is { } now)
                {
                    ReadToEndOf(now);
                }
            }
            files.ExtendFingerprint();
            files.RetireQuietFiles(ReadToEndOf);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (_throttle.ShouldLog("read", out long suppressed))
            {
                TailerLog.ReadFailed(logger, e, settings.Path, suppressed);
            }
        }

        if (files.Changed || _bytesSinceCheckpoint > 0)
        {
            Checkpoint(files);
        }
        Interlocked.Increment(ref _turns);
        Interlocked.Exchange(ref _lastTurnTimestamp, time.GetUtcNow().UtcTicks);
        OnTurn?.Invoke();
    }

    /// <summary>Reads a file to its current end in large chunks, reporting a checkpoint every few MiB of a long read.</summary>
    private long ReadToEnd(TailedFile file, RotationFollower files, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            int read = file.ReadChunk(_buffer, sink);
            total += read;
            _bytesSinceCheckpoint += read;
            // A short read of a regular file is its end: no second read just to be told so.
            if (read < _buffer.Length)
            {
                break;
            }
            if (_bytesSinceCheckpoint >= settings.CheckpointEveryBytes)
            {
                Checkpoint(files);
            }
            if (ct.IsCancellationRequested)
            {
                break; // everything delivered so far is consistent with the next checkpoint
            }
        }
        if (total > 0)
        {
            file.LastDataTimestamp = time.GetTimestamp();
        }
        return total;
    }

    private void Checkpoint(RotationFollower files)
    {
        var draining = new TailPosition[files.Draining.Count];
        long lag = 0;
        for (int i = 0; i < draining.Length; i++)
        {
            draining[i] = files.Draining[i].Position;
            lag += files.Draining[i].LagBytes;
        }
        lag += files.Current?.LagBytes ?? 0;
        sink.OnCheckpoint(new TailCheckpoint([new LogPosition(files.FullPath, files.Current?.Position, draining, files.Retired)], lag, files.TakeConsumedBytes())
        {
            TakenAt = time.GetUtcNow(),
        });
        _bytesSinceCheckpoint = 0;
        files.Changed = false;
    }
}
