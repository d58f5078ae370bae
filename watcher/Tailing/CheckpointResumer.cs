using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Continues from a saved checkpoint after a restart. Each saved file is found by identity (inode plus
/// fingerprint) at the path or among its rotated siblings, and resumed at its saved offset, read again
/// from its start (truncated or rewritten while stopped), or reported lost. Siblings the checkpoint does
/// not know that were written after it was taken were rotated in while the watcher was stopped: they are
/// read in full, oldest first, before the file at the path. A gzip-compressed one is read once: from the
/// saved offset when it is the saved file (by the fingerprint of its first bytes), not at all when it is a
/// file already finished, else in full. What cannot be read (deleted, other compressions) is reported lost,
/// by name, once per file.
/// </summary>
internal sealed class CheckpointResumer(TailerSettings settings, ILineSink lines, ITailEvents events, UnfollowableEntries unfollowable, ILogger logger)
{
    /// <summary>
    /// File times come from the kernel's coarse clock and may lag the checkpoint's clock a little. A file
    /// written within this margin before the checkpoint still counts as new unless the checkpoint names it;
    /// a file the watcher had finished was quiet for the drain period (5 s or more) before it closed it.
    /// </summary>
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(1);

    private readonly byte[] _scratch = new byte[FileFingerprint.MaxLength];
    // Saved files not found at their inode (lost unless a compressed copy holds their lines), and saved files
    // truncated while stopped with no uncompressed copy (their tail may be in a compressed copy).
    private readonly List<(TailPosition Saved, bool LostIfUnread)> _missing = [];
    private readonly List<string> _lost = [];

    /// <summary>Opens what <paramref name="checkpoint"/> names into <paramref name="files"/>; gzip-compressed files are read at once.</summary>
    public void Resume(LogPosition checkpoint, DateTimeOffset? takenAt, RotationFollower files, byte[] buffer)
    {
        List<(string Path, FileStatus Status)> candidates = RotatedSiblings.Of(files.FullPath, unfollowable);
        var seen = new HashSet<FileId>();
        RotationKind? currentKind = null;
        foreach (TailPosition saved in checkpoint.Draining)
        {
            if (seen.Add(saved.Identity.Id))
            {
                ResumeSafely(saved, candidates, files, wasCurrent: false, takenAt);
            }
        }
        if (checkpoint.Current is { } current && seen.Add(current.Identity.Id))
        {
            currentKind = ResumeSafely(current, candidates, files, wasCurrent: true, takenAt);
        }
        foreach (TailPosition retired in checkpoint.Retired.Reverse())
        {
            files.RememberRetired(retired);
        }
        if (takenAt is { } since)
        {
            ReadRotatedSince(since - ClockMargin, files, currentKind, buffer);
        }
        foreach (var (missing, lostIfUnread) in _missing)
        {
            if (lostIfUnread)
            {
                events.OnFileLost();
                _lost.Add($"the saved file (inode {missing.Identity.Id.Inode}, read up to offset {missing.Offset}) is gone: whatever was written to it after that");
            }
        }
        if (_lost.Count > 0)
        {
            TailerLog.FilesLost(logger, string.Join("; ", _lost));
        }
        files.Changed = true;
    }

    private RotationKind? ResumeSafely(TailPosition saved, List<(string Path, FileStatus Status)> candidates, RotationFollower files, bool wasCurrent, DateTimeOffset? takenAt)
    {
        try
        {
            return ResumeFile(saved, candidates, files, wasCurrent, takenAt);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never a crash loop over one file: it is reported, and the log is followed on.
            TailerLog.ResumeFailed(logger, e, saved.Identity.Id.ToString());
            if (e is UnauthorizedAccessException)
            {
                events.OnReadError(ReadError.PermissionDenied);
            }
            events.OnFileLost();
            _lost.Add($"the saved file (inode {saved.Identity.Id.Inode}) could not be resumed");
            return RotationKind.Recreated;
        }
    }

    /// <summary>Resumes one saved position; returns what became of the file (null: still at the path, intact).</summary>
    private RotationKind? ResumeFile(TailPosition saved, List<(string Path, FileStatus Status)> candidates, RotationFollower files, bool wasCurrent, DateTimeOffset? takenAt)
    {
        TailedFile? file = null;
        foreach ((string path, FileStatus status) in candidates)
        {
            if (status.Id == saved.Identity.Id)
            {
                file = TailedFile.OpenIfSame(path, status, settings.MaxLineBytes, _scratch);
                if (file is not null)
                {
                    break;
                }
            }
        }

        bool fingerprintMatches = file is not null && file.Matches(saved.Identity, _scratch);
        if (file is not null && !fingerprintMatches && takenAt is { } since && FileStatus.BirthOf(file.Name) > since.UtcTicks)
        {
            // Not the saved file rewritten: a file created since that got the deleted file's inode number.
            file.Dispose();
            file = null;
        }
        RotationKind? kind = null;
        switch (RotationDetector.Resume(saved, file is not null, file?.KnownLength ?? 0, fingerprintMatches))
        {
            case ResumeAction.Lost:
                TailerLog.ResumeLost(logger, saved.Identity.Id.Device, saved.Identity.Id.Inode, saved.Offset);
                _missing.Add((saved, true));
                if (wasCurrent)
                {
                    files.ExpectReplacement(RotationKind.Recreated);
                }
                return RotationKind.Recreated;
            case ResumeAction.FromStart:
                TailerLog.ResumeTruncated(logger, file!.Name, saved.Offset, file.KnownLength);
                events.OnRotation(RotationKind.Truncated);
                if (!files.DrainCopyOf(saved.Identity, saved.Offset))
                {
                    _missing.Add((saved, false));
                }
                kind = RotationKind.Truncated;
                break;
            case ResumeAction.FromOffset:
                file!.ResumeAt(saved.Offset, saved.Identity);
                file.ExtendFingerprint(_scratch);
                TailerLog.Resuming(logger, file.Name, saved.Identity.Id.Device, saved.Identity.Id.Inode, saved.Offset);
                break;
        }

        if (string.Equals(file!.Name, files.FullPath, StringComparison.Ordinal) && files.Current is null)
        {
            files.ResumeCurrent(file);
            return kind;
        }
        // Renamed away while stopped: finish it, then follow the new file at the path from its start.
        files.ResumeDraining(file, wasCurrent ? RotationKind.Renamed : null);
        return wasCurrent ? RotationKind.Renamed : kind;
    }

    /// <summary>
    /// Reads in full, oldest first, the siblings written since <paramref name="since"/> that the checkpoint
    /// does not name: the log was rotated (maybe several times) while the watcher was stopped. Each counts
    /// as one more rotation of the kind the saved log showed.
    /// </summary>
    private void ReadRotatedSince(DateTimeOffset since, RotationFollower files, RotationKind? kind, byte[] buffer)
    {
        var rotated = new List<(string Path, FileStatus Status)>();
        foreach (string sibling in RotatedSiblings.NamedLike(files.FullPath, unfollowable))
        {
            // Files resumed above are open; a finished file (retired) is recognised by its first bytes when
            // it is read (an inode number alone may have been reused by a new file).
            if (string.Equals(sibling, files.FullPath, StringComparison.Ordinal)
                || RotatedSiblings.Look(sibling, unfollowable) is not { } status
                || !status.IsRegularFile
                || status.ModifiedAt <= since.UtcTicks
                || files.IsOpen(status.Id))
            {
                continue;
            }
            rotated.Add((sibling, status));
        }
        var rotation = kind == RotationKind.Truncated ? RotationKind.Truncated : RotationKind.Renamed;
        foreach ((string path, FileStatus status) in rotated.OrderBy(r => r.Status.ModifiedAt).ThenByDescending(r => r.Path, StringComparer.Ordinal))
        {
            if (CompressedLog.IsGzip(path))
            {
                ReadCompressed(path, files, rotation, buffer);
                continue;
            }
            if (RotatedSiblings.IsCompressed(path))
            {
                // Not readable here. It most likely holds a saved file that is gone: one loss, not two.
                int gone = _missing.FindIndex(m => m.LostIfUnread);
                if (gone >= 0)
                {
                    _missing.RemoveAt(gone);
                }
                events.OnFileLost();
                _lost.Add($"{Path.GetFileName(path)} was compressed (not with gzip) before it could be read");
                continue;
            }
            TailedFile? file;
            try
            {
                file = TailedFile.OpenIfSame(path, status, settings.MaxLineBytes, _scratch);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unfollowable.Skip(path, e); // looked at a moment ago; it cannot be opened (not ours to read, or changed since)
                continue;
            }
            if (file is null)
            {
                continue;
            }
            if (files.Retired.FirstOrDefault(r => r.Identity.Id == status.Id) is { Identity.FingerprintLength: > 0 } finished
                && file.Matches(finished.Identity, _scratch))
            {
                // Finished before the stop; anything written to it since is read, nothing twice.
                if (file.KnownLength > finished.Offset)
                {
                    files.ResumeDraining(file, null, finished.Offset);
                }
                else
                {
                    file.Dispose();
                }
                continue;
            }
            TailerLog.RotatedWhileStopped(logger, path);
            events.OnRotation(rotation);
            files.ResumeDraining(file, null, offset: 0);
        }
    }

    /// <summary>
    /// A gzip file written since the checkpoint: a copy of a file already finished (skipped), the saved file
    /// that is gone (read from its saved offset), or a new one (read in full). Told apart by the fingerprint
    /// of the first decompressed bytes.
    /// </summary>
    private void ReadCompressed(string path, RotationFollower files, RotationKind rotation, byte[] buffer)
    {
        byte[] head = _scratch;
        int length = CompressedLog.ReadHead(path, head);
        if (length < 0)
        {
            events.OnFileLost();
            _lost.Add($"{Path.GetFileName(path)} is not readable gzip");
            return;
        }
        bool Same(FileIdentity identity) =>
            identity.FingerprintLength > 0 && identity.FingerprintLength <= length
            && FileFingerprint.Of(head.AsSpan(0, identity.FingerprintLength)) == identity.Fingerprint;

        if (files.Retired.Any(r => Same(r.Identity))
            || (files.Current is { } current && Same(current.Identity))
            || files.Draining.Any(d => Same(d.Identity)))
        {
            return; // a compressed copy of lines already read
        }
        int missing = _missing.FindIndex(m => Same(m.Saved.Identity));
        long offset = missing >= 0 ? _missing[missing].Saved.Offset : 0;
        long consumed = CompressedLog.Deliver(path, offset, lines, settings.MaxLineBytes, buffer);
        if (consumed < 0)
        {
            return; // its head was readable, the rest is not: it stays counted as lost if it was the saved file
        }
        if (missing >= 0)
        {
            _missing.RemoveAt(missing);
        }
        else
        {
            events.OnRotation(rotation);
        }
        files.AddConsumed(consumed);
        TailerLog.ReadCompressed(logger, path, offset);
    }
}
