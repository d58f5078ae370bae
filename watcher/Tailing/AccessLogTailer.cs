using Microsoft.Extensions.Logging;
using Sidecars.Hosting;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Follows one access log and delivers every completed line exactly once, in file order, to the sink:
/// across rename-and-reopen rotation (the old file is drained, including what nginx appends to it after
/// the rename), copytruncate, deletion and re-creation, restarts (from the sink's last checkpoint) and a
/// file that does not exist yet. Change notifications wake it at once; a poll catches what they miss.
/// </summary>
internal sealed partial class AccessLogTailer(TailerSettings settings, IAccessLogSink sink, TimeProvider time, ILogger<AccessLogTailer> logger)
{
    private static readonly string[] CompressedSuffixes = [".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"];

    private readonly byte[] _buffer = new byte[Math.Max(settings.ReadBufferBytes, FileFingerprint.MaxLength)];
    private readonly byte[] _scratch = new byte[FileFingerprint.MaxLength];
    private readonly List<TailedFile> _draining = [];
    private SemaphoreSlim? _wake;
    private readonly LogThrottle _throttle = new(time, TimeSpan.FromSeconds(10));
    private readonly string _fullPath = System.IO.Path.GetFullPath(settings.Path);
    private TailedFile? _current;
    // The file that left the path before a new one appeared there, and what to call the change then.
    private TailedFile? _vanished;
    private RotationKind? _pendingKind;
    private bool _waitingLogged;
    private bool _dirty;
    private long _bytesSinceCheckpoint;
    private bool _readInTurn;
    private long _turns;
    private long _lastTurnTimestamp;

    /// <summary>Loop turns so far: it grows at least once per poll interval while the tailer runs.</summary>
    public long Turns => Interlocked.Read(ref _turns);

    /// <summary>When the loop last completed a turn (for liveness), or null before the first one.</summary>
    public DateTimeOffset? LastTurnAt
    {
        get
        {
            long ticks = Interlocked.Read(ref _lastTurnTimestamp);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Follows the log until cancelled, starting from <paramref name="resume"/> (the sink's last saved checkpoint) when given.</summary>
    public async Task RunAsync(TailCheckpoint? resume, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var wake = new SemaphoreSlim(0, 1);
        _wake = wake;
        using var notifications = new NotificationSource(this);
        try
        {
            Start(resume);
            while (!cancellationToken.IsCancellationRequested)
            {
                notifications.EnsureStarted();
                _readInTurn = false;
                Turn(cancellationToken);
                try
                {
                    // A busy log is polled every BatchDelay with notifications paused: nginx writes each
                    // line on its own, and one notification per line costs more than reading the lines.
                    // Once a turn finds nothing new, notifications resume, and one more turn looks at
                    // what was written while they were paused before the loop waits for the next one.
                    if (_readInTurn && settings.BatchDelay > TimeSpan.Zero && ReferenceEquals(time, TimeProvider.System))
                    {
                        notifications.Pause();
                        await Task.Delay(settings.BatchDelay, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    if (notifications.Resume())
                    {
                        continue;
                    }
                    await WaitForChangeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
            if (_dirty || _bytesSinceCheckpoint > 0)
            {
                Checkpoint();
            }
        }
        finally
        {
            _current?.Dispose();
            _draining.ForEach(f => f.Dispose());
            _draining.Clear();
            _current = null;
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/> from its start to its end as fast as possible (for <c>--once</c>),
    /// then reports one checkpoint. A final line without <c>\n</c> is not delivered; its length is returned.
    /// </summary>
    public static OnceResult ReadOnce(string path, IAccessLogSink sink, int maxLineBytes, CancellationToken ct)
    {
        Span<byte> scratch = stackalloc byte[FileFingerprint.MaxLength];
        using var file = TailedFile.Open(path, maxLineBytes, scratch);
        byte[] buffer = new byte[1 << 20];
        while (file.ReadChunk(buffer, sink) > 0)
        {
            ct.ThrowIfCancellationRequested();
        }
        file.ExtendFingerprint(scratch);
        sink.OnCheckpoint(new TailCheckpoint(file.Position, [], file.LagBytes, file.ReadOffset));
        return new OnceResult(file.ReadOffset, file.Splitter.PendingBytes);
    }

    private int MaxLineBytes => settings.MaxLineBytes;

    private TailerSettings Settings => settings;

    private TimeProvider Time => time;

    private ILogger Logger => logger;

    private void Start(TailCheckpoint? resume)
    {
        if (resume is null)
        {
            FileStatus? atPath = FileStatus.OfPath(_fullPath);
            if (atPath is not null)
            {
                var file = TailedFile.Open(_fullPath, MaxLineBytes, _scratch);
                if (settings.StartAtEnd)
                {
                    file.StartAtLastLineEnd(MaxLineBytes, _buffer);
                }
                Adopt(file, settings.StartAtEnd ? "start at end" : "start at beginning");
            }
            return;
        }

        List<(string Path, FileStatus Status)> candidates = Candidates();
        var seen = new HashSet<(ulong, ulong)>();
        foreach (TailPosition saved in resume.Draining)
        {
            if (seen.Add((saved.Identity.Device, saved.Identity.Inode)))
            {
                ResumeFile(saved, candidates, wasCurrent: false);
            }
        }
        if (resume.Current is { } current && seen.Add((current.Identity.Device, current.Identity.Inode)))
        {
            ResumeFile(current, candidates, wasCurrent: true);
        }
        _dirty = true;
    }

    private void ResumeFile(TailPosition saved, List<(string Path, FileStatus Status)> candidates, bool wasCurrent)
    {
        TailedFile? file = null;
        foreach ((string path, FileStatus status) in candidates)
        {
            if (status.Device == saved.Identity.Device && status.Inode == saved.Identity.Inode)
            {
                file = TailedFile.OpenIfSame(path, status, MaxLineBytes, _scratch);
                if (file is not null)
                {
                    break;
                }
            }
        }

        bool fingerprintMatches = file is not null && file.Matches(saved.Identity, _scratch);
        switch (RotationDetector.Resume(saved, file is not null, file?.KnownLength ?? 0, fingerprintMatches))
        {
            case ResumeAction.Lost:
                TailerLog.ResumeLost(logger, saved.Identity.Device, saved.Identity.Inode, saved.Offset);
                if (wasCurrent)
                {
                    _pendingKind = RotationKind.Recreated;
                }
                return;
            case ResumeAction.FromStart:
                TailerLog.ResumeTruncated(logger, file!.Name, saved.Offset, file.KnownLength);
                sink.OnRotation(RotationKind.Truncated);
                DrainCopyOf(saved.Identity, saved.Offset);
                break;
            case ResumeAction.FromOffset:
                file!.ResumeAt(saved.Offset, saved.Identity);
                file.ExtendFingerprint(_scratch);
                TailerLog.Resuming(logger, file.Name, saved.Identity.Device, saved.Identity.Inode, saved.Offset);
                break;
        }

        if (string.Equals(file!.Name, _fullPath, StringComparison.Ordinal) && _current is null)
        {
            _current = file;
        }
        else
        {
            // Renamed away while stopped: finish it, then follow the new file at the path from its start.
            file.LastDataTimestamp = time.GetTimestamp();
            _draining.Add(file);
            if (wasCurrent)
            {
                _pendingKind = RotationKind.Renamed;
            }
        }
    }

    /// <summary>The log's path and its siblings named like it (<c>access.log.1</c>, <c>access.log-20261126</c>), not compressed ones.</summary>
    private List<(string Path, FileStatus Status)> Candidates()
    {
        var result = new List<(string, FileStatus)>();
        if (FileStatus.OfPath(_fullPath) is { } atPath)
        {
            result.Add((_fullPath, atPath));
        }
        string folder = System.IO.Path.GetDirectoryName(_fullPath)!;
        string name = System.IO.Path.GetFileName(_fullPath);
        if (!Directory.Exists(folder))
        {
            return result;
        }
        foreach (string sibling in Directory.EnumerateFiles(folder, name + "*"))
        {
            if (string.Equals(sibling, _fullPath, StringComparison.Ordinal)
                || CompressedSuffixes.Any(s => sibling.EndsWith(s, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            if (FileStatus.OfPath(sibling) is { } status)
            {
                result.Add((sibling, status));
            }
        }
        return result;
    }

    private void Turn(CancellationToken ct)
    {
        try
        {
            foreach (TailedFile file in _draining)
            {
                ReadToEnd(file, ct);
            }
            FollowPath(ct);
            if (_current is not null)
            {
                ReadToEnd(_current, ct);
                _current.ExtendFingerprint(_scratch);
            }
            RetireQuietFiles(ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (_throttle.ShouldLog("read", out long suppressed))
            {
                TailerLog.ReadFailed(logger, e, settings.Path, suppressed);
            }
        }

        if (_dirty || _bytesSinceCheckpoint > 0)
        {
            Checkpoint();
        }
        Interlocked.Increment(ref _turns);
        Interlocked.Exchange(ref _lastTurnTimestamp, time.GetUtcNow().UtcTicks);
    }

    /// <summary>Looks at what the path names now and reacts: new file, rotation, truncation, disappearance.</summary>
    private void FollowPath(CancellationToken ct)
    {
        FileStatus? atPath = FileStatus.OfPath(_fullPath);
        if (_current is null)
        {
            if (atPath is null)
            {
                if (!_waitingLogged)
                {
                    _waitingLogged = true;
                    TailerLog.WaitingForFile(logger, settings.Path, settings.PollInterval);
                }
                return;
            }
            OpenNewFileAtPath(atPath.Value);
            return;
        }

        FileStatus open = FileStatus.OfHandle(_current.Handle);
        _current.KnownLength = open.Length;
        bool fingerprintMatches = _current.FingerprintMatches(_scratch);
        FileChange change = RotationDetector.Decide(
            atPath?.AsPathState() ?? PathState.Missing, _current.Identity, open.Length, _current.ReadOffset, fingerprintMatches);
        switch (change)
        {
            case FileChange.Unchanged:
                return;
            case FileChange.Truncated:
                TailerLog.Truncated(logger, settings.Path, _current.ReadOffset);
                FileIdentity before = _current.Identity;
                long consumed = _current.ConsumedOffset;
                _current.RestartFromZero(_scratch);
                sink.OnRotation(RotationKind.Truncated);
                DrainCopyOf(before, consumed);
                _dirty = true;
                return;
            case FileChange.Missing:
                ReadToEnd(_current, ct);
                TailerLog.Disappeared(logger, settings.Path);
                _vanished = _current;
                StartDraining(_current);
                _current = null;
                _waitingLogged = true;
                return;
            case FileChange.Replaced:
                ReadToEnd(_current, ct);
                _vanished = _current;
                StartDraining(_current);
                _current = null;
                OpenNewFileAtPath(atPath!.Value);
                return;
        }
    }

    /// <summary>
    /// After a copytruncate, lines written between the last read and the truncation exist only in the copy
    /// (<c>access.log.1</c>): find the sibling that starts with the same bytes and read it from where the
    /// truncated file was consumed, so the copy-then-truncate race of logrotate loses nothing.
    /// </summary>
    private void DrainCopyOf(FileIdentity truncated, long consumed)
    {
        if (truncated.FingerprintLength == 0 || consumed == 0)
        {
            return;
        }
        foreach ((string path, FileStatus status) in Candidates())
        {
            if (status.Length <= consumed
                || string.Equals(path, _fullPath, StringComparison.Ordinal)
                || _draining.Exists(f => f.Identity.Device == status.Device && f.Identity.Inode == status.Inode))
            {
                continue;
            }
            TailedFile? copy = TailedFile.OpenIfSame(path, status, MaxLineBytes, _scratch);
            if (copy is null)
            {
                continue;
            }
            if (copy.Identity.FingerprintLength >= truncated.FingerprintLength && copy.Matches(truncated, _scratch))
            {
                copy.ResumeAt(consumed, copy.Identity);
                TailerLog.DrainingCopy(logger, path, consumed, status.Length - consumed);
                StartDraining(copy);
                return;
            }
            copy.Dispose();
        }
    }

    private void OpenNewFileAtPath(FileStatus atPath)
    {
        // A file still being drained may have come back to the path (renamed back): keep its offset.
        TailedFile? back = _draining.Find(f => f.Identity.Device == atPath.Device && f.Identity.Inode == atPath.Inode);
        if (back is not null)
        {
            _draining.Remove(back);
            _current = back;
            _vanished = null;
            _dirty = true;
            return;
        }

        TailedFile file;
        try
        {
            file = TailedFile.Open(_fullPath, MaxLineBytes, _scratch);
        }
        catch (FileNotFoundException)
        {
            return; // gone again between stat and open: the next turn looks again
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
            sink.OnRotation(k);
        }
        // A file that appears while the tailer runs is new: all of it is read, whatever StartAtEnd says.
        Adopt(file, kind is null ? "appeared" : "new file after rotation");
    }

    private void Adopt(TailedFile file, string reason)
    {
        _current = file;
        _waitingLogged = false;
        _dirty = true;
        TailerLog.Following(logger, settings.Path, file.ReadOffset, reason);
    }

    private void StartDraining(TailedFile file)
    {
        file.LastDataTimestamp = time.GetTimestamp();
        _draining.Add(file);
        _dirty = true;
    }

    /// <summary>
    /// Closes rotated files that had no new data for the quiet period once the new file exists, after
    /// one last read to their end (never on a timer alone: unread data is never dropped).
    /// </summary>
    private void RetireQuietFiles(CancellationToken ct)
    {
        if (_current is null || _draining.Count == 0)
        {
            return;
        }
        TimeSpan quiet = settings.EffectiveDrainQuietPeriod;
        for (int i = _draining.Count - 1; i >= 0; i--)
        {
            TailedFile file = _draining[i];
            if (time.GetElapsedTime(file.LastDataTimestamp) < quiet || ReadToEnd(file, ct) > 0)
            {
                continue;
            }
            if (file.Splitter.PendingBytes > 0)
            {
                TailerLog.DrainDroppedPartialLine(logger, file.Name, file.Splitter.PendingBytes);
            }
            TailerLog.DrainFinished(logger, file.Name, file.ReadOffset, quiet);
            _draining.RemoveAt(i);
            file.Dispose();
            _dirty = true;
        }
    }

    /// <summary>Reads a file to its current end in large chunks, reporting a checkpoint every few MiB of a long read.</summary>
    private long ReadToEnd(TailedFile file, CancellationToken ct)
    {
        long total = 0;
        int read;
        while ((read = file.ReadChunk(_buffer, sink)) > 0)
        {
            total += read;
            _bytesSinceCheckpoint += read;
            if (_bytesSinceCheckpoint >= settings.CheckpointEveryBytes)
            {
                Checkpoint();
            }
            if (ct.IsCancellationRequested)
            {
                break; // everything delivered so far is consistent with the next checkpoint
            }
        }
        if (total > 0)
        {
            file.LastDataTimestamp = time.GetTimestamp();
            _readInTurn = true;
        }
        return total;
    }

    private void Checkpoint()
    {
        var draining = new TailPosition[_draining.Count];
        long lag = 0;
        for (int i = 0; i < draining.Length; i++)
        {
            draining[i] = _draining[i].Position;
            lag += _draining[i].LagBytes;
        }
        lag += _current?.LagBytes ?? 0;
        sink.OnCheckpoint(new TailCheckpoint(_current?.Position, draining, lag, _bytesSinceCheckpoint));
        _bytesSinceCheckpoint = 0;
        _dirty = false;
    }

    private async Task WaitForChangeAsync(CancellationToken ct)
    {
        if (ReferenceEquals(time, TimeProvider.System))
        {
            await _wake!.WaitAsync(settings.PollInterval, ct).ConfigureAwait(false);
            return;
        }
        using var timeout = new CancellationTokenSource(settings.PollInterval, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await _wake!.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the poll interval passed
        }
    }

    private void Wake()
    {
        SemaphoreSlim? wake = _wake;
        if (wake is not null && wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // already signalled: a burst of events causes one read
            }
            catch (ObjectDisposedException)
            {
                // an event raced with the end of RunAsync
            }
        }
    }

    /// <summary>
    /// A <see cref="FileSystemWatcher"/> on the log's folder that only wakes the loop. It is an
    /// optimisation: missed events and overflows cost at most one poll interval.
    /// </summary>
    private sealed class NotificationSource(AccessLogTailer owner) : IDisposable
    {
        private FileSystemWatcher? _watcher;
        private long _lastAttempt;
        private bool _failureLogged;

        public void EnsureStarted()
        {
            if (_watcher is not null || !owner.Settings.UseNotifications)
            {
                return;
            }
            if (_lastAttempt != 0 && owner.Time.GetElapsedTime(_lastAttempt) < TimeSpan.FromSeconds(5))
            {
                return;
            }
            _lastAttempt = owner.Time.GetTimestamp();
            string folder = System.IO.Path.GetDirectoryName(owner._fullPath)!;
            string name = System.IO.Path.GetFileName(owner._fullPath);
            try
            {
                var watcher = new FileSystemWatcher(folder)
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    IncludeSubdirectories = false,
                    InternalBufferSize = 64 * 1024,
                };
                FileSystemEventHandler changed = (_, e) =>
                {
                    if (e.Name is null || e.Name.StartsWith(name, StringComparison.Ordinal))
                    {
                        owner.Wake();
                    }
                };
                watcher.Changed += changed;
                watcher.Created += changed;
                watcher.Deleted += changed;
                watcher.Renamed += (_, e) => owner.Wake();
                watcher.Error += (_, e) =>
                {
                    if (owner._throttle.ShouldLog("notifications", out long suppressed))
                    {
                        string reason = e.GetException().Message;
                        TailerLog.NotificationsFailed(owner.Logger, reason, suppressed);
                    }
                    owner.Wake();
                };
                watcher.EnableRaisingEvents = true;
                _watcher = watcher;
            }
            catch (Exception e) when (e is ArgumentException or IOException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                // The folder may not exist yet, or inotify limits are reached: poll, and try again later.
                if (!_failureLogged)
                {
                    _failureLogged = true;
                    TailerLog.NotificationsUnavailable(owner.Logger, folder, e.Message, owner.Settings.PollInterval);
                }
            }
        }

        private bool _paused;

        /// <summary>Stops raising events (the loop polls a busy log itself).</summary>
        public void Pause()
        {
            if (_watcher is not null && !_paused)
            {
                _watcher.EnableRaisingEvents = false;
                _paused = true;
            }
        }

        /// <summary>Raises events again; true when they had been paused (writes meanwhile raised none).</summary>
        public bool Resume()
        {
            if (!_paused)
            {
                return false;
            }
            _paused = false;
            try
            {
                _watcher!.EnableRaisingEvents = true;
            }
            catch (Exception e) when (e is ArgumentException or IOException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                // The folder went away or inotify is exhausted: poll, and set the watcher up again later.
                _watcher!.Dispose();
                _watcher = null;
            }
            return true;
        }

        public void Dispose() => _watcher?.Dispose();
    }
}
