using Microsoft.Extensions.Logging;
using Sidecars.Hosting;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Follows the log's path across rotations: which file is current, which rotated files are still open
/// and being drained, and what a change at the path means (rename-and-reopen, copytruncate, delete and
/// re-create, a file that appears). The decisions themselves are <see cref="RotationDetector"/>'s; this
/// gathers the facts (stat, fingerprints) and acts on them. Reading is the caller's: it passes how to
/// read a file to its end, so a file is always finished before the tailer moves on from it.
/// </summary>
internal sealed class RotationFollower(TailerSettings settings, ILineSink sink, ITailEvents events, UnfollowableEntries unfollowable, TimeProvider time, ILogger logger) : IDisposable
{
    /// <summary>How many finished files are remembered, in case one comes back to the path.</summary>
    public const int RetiredCapacity = RetiredFiles.Capacity;

    private readonly byte[] _scratch = new byte[FileFingerprint.MaxLength];
    private readonly WatchedPath _path = new(settings, unfollowable, time, logger);
    private readonly List<TailedFile> _draining = [];
    private readonly RetiredFiles _retired = new();
    // Lines consumed from files that were closed or restarted since the last checkpoint.
    private long _consumedElsewhere;
    // The file that left the path before a new one appeared there, and what to call the change then.
    private TailedFile? _vanished;
    private RotationKind? _pendingKind;
    private bool _waitingLogged;

    /// <summary>Where this log's lines go.</summary>
    public ILineSink Sink => sink;

    /// <summary>Whether the log can be over (<see cref="TryEnd"/>): one found through a glob; a path named in the settings waits for its file.</summary>
    public bool MayEnd { get; init; }

    /// <summary>The log's path, made absolute.</summary>
    public string FullPath => _path.FullPath;

    /// <summary>The file at the path, or null while there is none.</summary>
    public TailedFile? Current { get; private set; }

    /// <summary>Rotated files still open because nginx may still append to them.</summary>
    public IReadOnlyList<TailedFile> Draining => _draining;

    /// <summary>Set when files were opened, closed or restarted: the next checkpoint must say so.</summary>
    public bool Changed { get; set; }

    /// <summary>Files finished and closed recently, most recent first, with their final positions.</summary>
    public IReadOnlyList<TailPosition> Retired => _retired.All;

    /// <summary>Whether the file <paramref name="id"/> is open (current or draining).</summary>
    public bool IsOpen(FileId id) => Current?.Identity.Id == id || _draining.Exists(f => f.Identity.Id == id);

    /// <summary>The bytes of lines consumed since the last call, from every file (each byte once).</summary>
    public long TakeConsumedBytes()
    {
        long total = _consumedElsewhere + (Current?.TakeConsumedBytes() ?? 0);
        foreach (TailedFile file in _draining)
        {
            total += file.TakeConsumedBytes();
        }
        _consumedElsewhere = 0;
        return total;
    }

    /// <summary>Bytes of lines consumed from a file that is not followed (a compressed one read once).</summary>
    public void AddConsumed(long bytes) => _consumedElsewhere += bytes;

    /// <summary>Remembers a finished file (from a saved checkpoint, or one just closed).</summary>
    public void RememberRetired(TailPosition position)
    {
        _retired.Remember(position);
        Changed = true;
    }

    /// <summary>Without a checkpoint: follows the file at the path, from its start or (with StartAtEnd) its last line end.</summary>
    public void StartWithoutCheckpoint(byte[] buffer)
    {
        if (_path.Look() is not { } atPath || !_path.IsReadable(atPath))
        {
            return;
        }
        var file = TailedFile.Open(FullPath, settings.MaxLineBytes, _scratch);
        if (settings.StartAtEnd)
        {
            file.StartAtLastLineEnd(settings.MaxLineBytes, buffer);
        }
        Adopt(file, settings.StartAtEnd ? "start at end" : "start at beginning");
    }

    /// <summary>Makes a resumed file the current one.</summary>
    public void ResumeCurrent(TailedFile file)
    {
        Current = file;
        Changed = true;
    }

    /// <summary>Drains a resumed file that is no longer at the path; <paramref name="kind"/> names the change once a new file appears.</summary>
    public void ResumeDraining(TailedFile file, RotationKind? kind)
    {
        StartDraining(file);
        if (kind is not null)
        {
            _pendingKind = kind;
        }
    }

    /// <summary>The saved current file is gone: the next file at the path is reported as <paramref name="kind"/>.</summary>
    public void ExpectReplacement(RotationKind kind) => _pendingKind = kind;

    /// <summary>Looks at what the path names now and reacts: new file, rotation, truncation, disappearance.</summary>
    public void FollowPath(Func<TailedFile, long> readToEnd)
    {
        FileStatus? atPath = _path.Look();
        if (Current is null)
        {
            if (atPath is null)
            {
                if (!_waitingLogged)
                {
                    _waitingLogged = true;
                    string interval = LogText.Duration(settings.ReadInterval);
                    TailerLog.WaitingForFile(logger, settings.Path, interval);
                }
                return;
            }
            if (_path.IsReadable(atPath.Value))
            {
                OpenNewFileAtPath(atPath.Value);
            }
            return;
        }

        var current = Current;
        FileStatus open = FileStatus.OfHandle(current.Handle);
        current.KnownLength = open.Length;
        if (current.LookQuietly(open, atPath))
        {
            return;
        }
        // With more to read, the read checks the content after it, before any of its lines is handed out (a cut
        // found there brings the tailer back here): checking it now as well would cost two reads a turn for nothing.
        bool sameContent = (open.Length > current.ReadOffset && !current.CutWhileReading) || current.StillHoldsWhatWasRead(_scratch);
        FileChange change = RotationDetector.Decide(
            atPath?.AsPathState() ?? PathState.Missing, current.Identity, open.Length, current.ReadOffset, sameContent);
        switch (change)
        {
            case FileChange.Unchanged:
                current.Settle(open);
                return;
            case FileChange.Truncated:
                TailerLog.Truncated(logger, settings.Path, current.ReadOffset);
                FileIdentity before = current.Identity;
                long consumed = current.ConsumedOffset;
                _consumedElsewhere += current.TakeConsumedBytes();
                current.RestartFromZero(_scratch);
                events.OnRotation(RotationKind.Truncated);
                DrainCopyOf(before, consumed);
                Changed = true;
                return;
            case FileChange.Missing:
                readToEnd(current);
                TailerLog.Disappeared(logger, settings.Path);
                _vanished = current;
                StartDraining(current);
                Current = null;
                _waitingLogged = true;
                return;
            case FileChange.Replaced:
                readToEnd(current);
                _vanished = current;
                StartDraining(current);
                Current = null;
                if (_path.IsReadable(atPath!.Value))
                {
                    OpenNewFileAtPath(atPath.Value);
                }
                return;
        }
    }

    /// <summary>
    /// Whether the log is over (<see cref="LogEnd.IsOver"/>: a log of a glob deleted after it was read to its end,
    /// gone for the drain quiet period). Its files are read a last time first: anything found there keeps it.
    /// When true, the caller stops following it; the files are closed at <see cref="Dispose"/>.
    /// </summary>
    public bool TryEnd(Func<TailedFile, long> readToEnd)
    {
        TimeSpan quiet = settings.EffectiveDrainQuietPeriod;
        if (!MayEnd || Current is not null || _path.GoneSince is not { } since || time.GetElapsedTime(since) < quiet)
        {
            return false; // the cheap facts first: most turns stop here
        }
        var open = _draining.Select(f => (FileStatus.OfHandle(f.Handle).LinkCount, time.GetElapsedTime(f.LastDataTimestamp)));
        if (!LogEnd.IsOver(time.GetElapsedTime(since), quiet, hasCurrent: false, open))
        {
            return false;
        }
        foreach (TailedFile file in _draining)
        {
            if (readToEnd(file) > 0)
            {
                return false;
            }
        }
        string quietText = LogText.Duration(quiet);
        foreach (TailedFile file in _draining)
        {
            if (file.Splitter.PendingBytes > 0)
            {
                TailerLog.DrainDroppedPartialLine(logger, file.Name, file.Splitter.PendingBytes);
            }
            TailerLog.DrainFinished(logger, file.Name, file.ReadOffset, quietText);
        }
        return true;
    }

    /// <summary>
    /// Where the log stands, for a checkpoint. A rotated file that was deleted and read to its end is saved among the
    /// finished ones (<see cref="LogEnd.IsFinished"/>), though it stays open while nginx may append to it: after a
    /// restart it could not be opened again, and nothing of it is unread.
    /// </summary>
    public LogPosition Position()
    {
        var draining = new TailPosition[_draining.Count];
        List<TailPosition>? finished = null;
        int kept = 0;
        foreach (TailedFile file in _draining)
        {
            if (IsFinished(file))
            {
                (finished ??= []).Add(file.Position);
            }
            else
            {
                draining[kept++] = file.Position;
            }
        }
        IReadOnlyList<TailPosition> retired = finished is null ? Retired : [.. finished.Concat(Retired).Take(RetiredFiles.Capacity)];
        return new LogPosition(FullPath, Current?.Position, kept == draining.Length ? draining : draining[..kept], retired);
    }

    private static bool IsFinished(TailedFile file)
    {
        try
        {
            FileStatus open = FileStatus.OfHandle(file.Handle);
            return LogEnd.IsFinished(open.LinkCount, open.Length, file.ConsumedOffset);
        }
        catch (IOException)
        {
            return false; // saved as draining, as before: a restart looks for it
        }
    }

    /// <summary>Extends the current file's fingerprint once it grew past what was hashed.</summary>
    public void ExtendFingerprint() => Current?.ExtendFingerprint(_scratch);

    /// <summary>
    /// After a copytruncate, drains the copy of the truncated file (<see cref="TruncatedCopy"/>) from where the truncated
    /// file was consumed, so the copy-then-truncate race of logrotate loses nothing. False when there is no such copy.
    /// </summary>
    public bool DrainCopyOf(FileIdentity truncated, long consumed)
    {
        if (truncated.FingerprintLength == 0 || consumed == 0)
        {
            return false;
        }
        TailedFile? copy = TruncatedCopy.Open(FullPath, truncated, consumed, id => _draining.Exists(f => f.Identity.Id == id),
            unfollowable, settings.MaxLineBytes, _scratch, logger);
        if (copy is null)
        {
            return false;
        }
        StartDraining(copy);
        return true;
    }

    /// <summary>
    /// Closes rotated files that had no new data for the quiet period once the new file exists, after
    /// one last read to their end (never on a timer alone: unread data is never dropped).
    /// </summary>
    public void RetireQuietFiles(Func<TailedFile, long> readToEnd)
    {
        if (Current is null || _draining.Count == 0)
        {
            return;
        }
        TimeSpan quiet = settings.EffectiveDrainQuietPeriod;
        for (int i = _draining.Count - 1; i >= 0; i--)
        {
            TailedFile file = _draining[i];
            if (time.GetElapsedTime(file.LastDataTimestamp) < quiet || readToEnd(file) > 0)
            {
                continue;
            }
            if (file.Splitter.PendingBytes > 0)
            {
                TailerLog.DrainDroppedPartialLine(logger, file.Name, file.Splitter.PendingBytes);
            }
            string quietText = LogText.Duration(quiet);
            TailerLog.DrainFinished(logger, file.Name, file.ReadOffset, quietText);
            _draining.RemoveAt(i);
            _consumedElsewhere += file.TakeConsumedBytes();
            RememberRetired(file.Position);
            file.Dispose();
            Changed = true;
        }
    }

    private void OpenNewFileAtPath(FileStatus atPath)
    {
        // A file still being drained may have come back to the path (renamed back): keep its offset.
        TailedFile? back = _draining.Find(f => f.Identity.Id == atPath.Id);
        if (back is not null)
        {
            _draining.Remove(back);
            Current = back;
            _vanished = null;
            Changed = true;
            return;
        }

        TailedFile file;
        try
        {
            file = TailedFile.Open(FullPath, settings.MaxLineBytes, _scratch);
        }
        catch (FileNotFoundException)
        {
            return; // gone again between stat and open: the next turn looks again
        }
        catch (NotARegularFileException)
        {
            return; // replaced by a FIFO or the like between stat and open: the next turn reports it
        }

        // A file read to its end earlier may have come back (a symlink flipped back): go on where it ended.
        if (_retired.Take(atPath.Id) is { } ended)
        {
            if (file.KnownLength >= ended.Offset && file.Matches(ended.Identity, _scratch))
            {
                file.ResumeAt(ended.Offset, ended.Identity);
                file.ExtendFingerprint(_scratch);
                TailerLog.CameBack(logger, settings.Path, ended.Offset);
            }
        }

        RotationKind? kind = _pendingKind;
        if (_vanished is not null)
        {
            kind = RotationDetector.KindOfReplacement(FileStatus.OfHandle(_vanished.Handle).LinkCount);
        }
        _vanished = null;
        _pendingKind = null;
        if (kind is { } k)
        {
            string label = k.Label();
            TailerLog.Rotated(logger, settings.Path, label);
            events.OnRotation(k);
        }
        // A file that appears while the tailer runs is new: all of it is read, whatever StartAtEnd says.
        Adopt(file, kind is null ? "appeared" : "new file after rotation");
    }

    private void Adopt(TailedFile file, string reason)
    {
        Current = file;
        _waitingLogged = false;
        Changed = true;
        TailerLog.Following(logger, settings.Path, file.ReadOffset, reason);
    }

    private void StartDraining(TailedFile file)
    {
        file.LastDataTimestamp = time.GetTimestamp();
        _draining.Add(file);
        Changed = true;
    }

    /// <summary>Opens a file found while resuming and drains it from <paramref name="offset"/> (0: all of it).</summary>
    public void ResumeDraining(TailedFile file, RotationKind? kind, long offset)
    {
        if (offset > 0)
        {
            file.ResumeAt(offset, file.Identity);
        }
        ResumeDraining(file, kind);
    }

    public void Dispose()
    {
        Current?.Dispose();
        Current = null;
        _draining.ForEach(f => f.Dispose());
        _draining.Clear();
    }
}
