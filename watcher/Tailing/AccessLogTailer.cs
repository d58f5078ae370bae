using Microsoft.Extensions.Logging;
using Sidecars.Hosting;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Follows the access logs and delivers every completed line exactly once, in file order, to the line sink of its
/// log (<see cref="ILineSink"/>), and what else happens and the checkpoints to the <see cref="ITailEvents"/>:
/// across rename-and-reopen rotation, copytruncate, deletion and re-creation (<see cref="RotationFollower"/>,
/// one per log), restarts (<see cref="CheckpointResumer"/>), logs that do not exist yet, and logs that appear
/// while it runs (<see cref="LogPaths"/>: a glob, or a list of paths).
/// <para>
/// The loop runs on one dedicated thread for the tailer's life: a turn looks at every log's path and open files
/// and reads everything there is, reports one checkpoint for all of them, and hands the turn to
/// <see cref="AfterTurn"/> (save and publish); then it blocks in <see cref="ChangeNotifier.Wait"/>. Writes never
/// wake it. A turn runs when <see cref="ReadRequests"/> asks (a scrape: it is answered once a turn that started
/// after it ended), when a name in a log's folder changes (a rotation is drained at once), and once
/// <see cref="TailerSettings.ReadInterval"/> passed since the last turn. That interval is the timeout of the wait
/// itself, measured on the <see cref="TimeProvider"/> (so a fake clock decides when it is due): no timer thread
/// and no thread-pool work wake the process at idle, only this thread, once per interval.
/// </para>
/// </summary>
internal sealed class AccessLogTailer(TailerSettings settings, ILineSink sink, ITailEvents events, TimeProvider time, ILogger<AccessLogTailer> logger)
{
    /// <summary>Logs skipped and entries that cannot be followed are told in one line per this interval at most.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(10);

    private readonly byte[] _buffer = new byte[Math.Max(settings.ReadBufferBytes, FileFingerprint.MaxLength)];
    private readonly LogThrottle _throttle = new(time, TimeSpan.FromSeconds(10));
    private readonly List<RotationFollower> _logs = [];
    private readonly HashSet<string> _skipped = new(StringComparer.Ordinal);
    private readonly UnfollowableEntries _unfollowable = new(events, logger, new SummaryLine(time, SummaryInterval));
    private readonly SummaryLine _skippedSummary = new(time, SummaryInterval);
    private LogPaths? _paths;
    private long _bytesSinceCheckpoint;
    private long _lastPublished;
    // Bytes of lines consumed from logs that ended since the last checkpoint (they are no longer in _logs).
    private long _consumedByEnded;
    // A log ended, or a log or entry was skipped or a read failed, since the last checkpoint: the next one must say so
    // (a checkpoint is when the sink publishes its counts), even when no byte was read.
    private bool _mustCheckpoint;
    private bool _lookAgain;

    /// <summary>The logs to follow (paths and globs); null: <see cref="TailerSettings.Path"/> alone.</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>At most this many logs are followed; more are reported (<see cref="ITailEvents.OnLogSkipped"/>) once each.</summary>
    public int MaxLogs { get; init; } = 16;

    /// <summary>Where the lines of the log at a path go; null: all to the line sink. Its events go to the one <see cref="ITailEvents"/>.</summary>
    public Func<string, ILineSink>? SinkForLog { get; init; }

    /// <summary>How scrapes (and tests) ask for a turn.</summary>
    public ReadRequests Requests { get; init; } = new();

    /// <summary>
    /// Called at the end of every turn, on the tailer's thread, once its checkpoint was reported: saves and
    /// publishes, and beats liveness. The requests the turn served are answered after it returns.
    /// </summary>
    public Action<ReadTrigger>? AfterTurn { get; init; }

    /// <summary>
    /// Called within a long read (a backlog of many MiB), after a checkpoint, at most once per read interval: saves
    /// and publishes what was read so far and beats liveness, so progress shows before the turn ends.
    /// </summary>
    public Action? DuringLongRead { get; init; }

    /// <summary>
    /// Follows the log on a thread of its own until cancelled, starting from <paramref name="resume"/>
    /// (the sink's last saved checkpoint) when given; the last checkpoint is reported before it ends.
    /// </summary>
    public Task RunAsync(TailCheckpoint? resume, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            () => Run(resume, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(TailCheckpoint? resume, CancellationToken ct)
    {
        var paths = _paths = new LogPaths(Paths ?? [settings.Path], time);
        // One log: only its own name (and its rotated siblings') wakes the loop. Several: any name in their folders.
        var folders = Paths is null
            ? [(paths.Folders[0], Path.GetFileName(Path.GetFullPath(settings.Path)))]
            : paths.Folders.Select(f => (f, (string?)null)).ToList();
        using var notifier = new ChangeNotifier(folders, settings.UseNotifications, logger);
        using var stop = ct.Register(static n => ((ChangeNotifier)n!).Wake(), notifier);
        Requests.Attach(notifier.Wake);
        try
        {
            // The logs saved in the checkpoint that the paths still name, found now or not, then what is there.
            var saved = resume?.Logs.Where(l => paths.Matches(l.Path)).Select(l => l.Path) ?? [];
            foreach (string path in saved.Concat(paths.Discover(_unfollowable)).Distinct(StringComparer.Ordinal))
            {
                AddLog(path, resume, atStart: true);
            }
            var changes = Changes.None;
            while (!ct.IsCancellationRequested)
            {
                long turnStarted = time.GetTimestamp();
                var serving = Requests.TakePending();
                notifier.EnsureWatching();
                // New logs show as new names. Without name events (or when the kernel dropped some) every turn looks,
                // but lists a folder only when its names changed: thousands of files are not looked at every second.
                // A log that ended gave its slot back: a log skipped before may take it, so every folder is listed.
                bool namesChanged = (changes & (Changes.Names | Changes.Overflow)) != 0;
                if (Paths is not null && (namesChanged || _lookAgain || !notifier.IsWatching))
                {
                    foreach (string path in paths.Discover(_unfollowable, onlyChanged: !namesChanged && !_lookAgain))
                    {
                        AddLog(path, resume: null, atStart: false);
                    }
                    _lookAgain = false;
                }
                Turn(ct);
                _lastPublished = time.GetTimestamp();
                TellSkipped();
                AfterTurn?.Invoke(serving is not null ? ReadTrigger.Scrape : namesChanged ? ReadTrigger.Names : ReadTrigger.Interval);
                serving?.TrySetResult();
                if (ct.IsCancellationRequested)
                {
                    break;
                }
                // Until something asks, or the interval since this turn began has passed on the provider's clock.
                while ((changes = notifier.Wait(settings.ReadInterval - time.GetElapsedTime(turnStarted))) == Changes.None
                    && time.GetElapsedTime(turnStarted) < settings.ReadInterval)
                {
                }
            }
            if (_logs.Exists(l => l.Changed) || _bytesSinceCheckpoint > 0 || _mustCheckpoint || _unfollowable.Counted)
            {
                Checkpoint();
            }
        }
        finally
        {
            Requests.Stop();
            _logs.ForEach(l => l.Dispose());
            _logs.Clear();
        }
    }

    /// <summary>
    /// Starts following the log at <paramref name="path"/> unless it is followed already: from the checkpoint when
    /// it names it; else, at start, as <see cref="TailerSettings.StartAtEnd"/> says; a log that appears later is
    /// new, so all of it is read.
    /// </summary>
    private void AddLog(string path, TailCheckpoint? resume, bool atStart)
    {
        string full = Path.GetFullPath(path);
        if (_logs.Exists(l => string.Equals(l.FullPath, full, StringComparison.Ordinal)))
        {
            return;
        }
        bool mayEnd = Paths is not null && !_paths!.IsNamed(full);
        LogPosition? saved = resume?.Of(full);
        if (mayEnd && saved is not null && LogEnd.WasOver(saved, FileStatus.OfPath(full, out _) is { IsRegularFile: true }))
        {
            TailerLog.LogEndedBeforeRestart(logger, full);
            return; // its slot is free, and a later checkpoint no longer names it
        }
        if (_logs.Count >= MaxLogs)
        {
            // Counted once per log; told in a summary line, not one line each (5,000 files would be 5,000 lines).
            if (_skipped.Add(full))
            {
                events.OnLogSkipped(full);
                _skippedSummary.Add(full);
                _mustCheckpoint = true;
            }
            return;
        }
        _skipped.Remove(full); // followed now: if it is skipped again one day, that counts again
        var logSink = SinkForLog?.Invoke(full) ?? sink;
        var logSettings = settings with { Path = full, StartAtEnd = settings.StartAtEnd && atStart };
        var files = new RotationFollower(logSettings, logSink, events, _unfollowable, time, logger) { MayEnd = mayEnd };
        _logs.Add(files);
        files.Changed = true;
        try
        {
            if (saved is not null)
            {
                new CheckpointResumer(logSettings, logSink, events, _unfollowable, logger).Resume(saved, resume!.TakenAt, files, _buffer);
            }
            else
            {
                files.StartWithoutCheckpoint(_buffer);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Never a crash over one log (a file that may not be read, a path changed under the look): it is
            // followed on, and each turn tries again as for any read that fails.
            ReadFailed(files, e);
        }
    }

    /// <summary>Writes the summary lines of logs skipped and entries that cannot be followed, when due.</summary>
    private void TellSkipped()
    {
        if (_skippedSummary.TryTake(out int count, out string examples))
        {
            TailerLog.LogsSkipped(logger, count, MaxLogs, examples);
        }
        _unfollowable.Flush();
    }

    private void Turn(CancellationToken ct)
    {
        for (int i = 0; i < _logs.Count; i++)
        {
            if (TurnOf(_logs[i], ct))
            {
                End(_logs[i]);
                _logs.RemoveAt(i--);
            }
        }
        if (_logs.Exists(l => l.Changed) || _bytesSinceCheckpoint > 0 || _mustCheckpoint || _unfollowable.Counted)
        {
            Checkpoint();
        }
    }

    /// <summary>A log is over (<see cref="LogEnd"/>): no longer followed, its slot free, no longer in the saved state.</summary>
    private void End(RotationFollower files)
    {
        _consumedByEnded += files.TakeConsumedBytes();
        files.Dispose();
        _mustCheckpoint = true;
        _lookAgain = true;
        string quiet = LogText.Duration(settings.EffectiveDrainQuietPeriod);
        TailerLog.LogEnded(logger, files.FullPath, quiet);
    }

    /// <summary>
    /// One log's turn: rotated files first (their lines came before the current file's), then the path (a
    /// rotation, a truncation, a new file: the current file is finished before the tailer moves on from it;
    /// a copytruncate is found even when nginx wrote past the old offset since), then the current file. True
    /// when the log is over (<see cref="RotationFollower.TryEnd"/>).
    /// </summary>
    private bool TurnOf(RotationFollower files, CancellationToken ct)
    {
        long ReadToEndOf(TailedFile file) => ReadToEnd(file, files, ct);
        try
        {
            for (int i = 0; i < files.Draining.Count; i++)
            {
                ReadToEndOf(files.Draining[i]);
            }
            files.FollowPath(ReadToEndOf);
            if (files.Current is { Settled: false } now)
            {
                ReadToEndOf(now);
                if (now.CutWhileReading)
                {
                    // Cut (copytruncate) while it was read: start it again and drain the copy, now, not a turn later.
                    files.FollowPath(ReadToEndOf);
                    if (files.Current is { } again)
                    {
                        ReadToEndOf(again);
                    }
                }
            }
            files.ExtendFingerprint();
            files.RetireQuietFiles(ReadToEndOf);
            return files.TryEnd(ReadToEndOf);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ReadFailed(files, e);
            return false;
        }
    }

    /// <summary>A read of a log failed (it is tried again at the next turn): counted by reason, logged now and then.</summary>
    private void ReadFailed(RotationFollower files, Exception e)
    {
        events.OnReadError(ReadErrors.Of(e));
        _mustCheckpoint = true;
        if (_throttle.ShouldLog("read", out long suppressed))
        {
            TailerLog.ReadFailed(logger, e, files.FullPath, suppressed);
        }
    }

    /// <summary>Reads a file to its current end in large chunks, reporting a checkpoint every few MiB of a long read.</summary>
    private long ReadToEnd(TailedFile file, RotationFollower files, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            int read = file.ReadChunk(_buffer, files.Sink);
            total += read;
            _bytesSinceCheckpoint += read;
            // A short read of a regular file is its end: no second read just to be told so.
            if (read < _buffer.Length)
            {
                break;
            }
            if (_bytesSinceCheckpoint >= settings.CheckpointEveryBytes)
            {
                Checkpoint();
                if (DuringLongRead is not null && time.GetElapsedTime(_lastPublished) >= settings.ReadInterval)
                {
                    _lastPublished = time.GetTimestamp();
                    DuringLongRead();
                }
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

    /// <summary>One checkpoint for every log: all lines delivered so far, in any log, belong to it.</summary>
    private void Checkpoint()
    {
        var logs = new LogPosition[_logs.Count];
        long lag = 0, consumed = _consumedByEnded;
        for (int l = 0; l < logs.Length; l++)
        {
            var files = _logs[l];
            for (int i = 0; i < files.Draining.Count; i++)
            {
                lag += files.Draining[i].LagBytes;
            }
            lag += files.Current?.LagBytes ?? 0;
            consumed += files.TakeConsumedBytes();
            logs[l] = files.Position();
            files.Changed = false;
        }
        _consumedByEnded = 0;
        _mustCheckpoint = false;
        _unfollowable.Counted = false;
        events.OnCheckpoint(new TailCheckpoint(logs, lag, consumed) { TakenAt = time.GetUtcNow() });
        _bytesSinceCheckpoint = 0;
    }
}
