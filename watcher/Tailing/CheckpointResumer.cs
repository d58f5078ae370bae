using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Continues from a saved checkpoint after a restart. Each saved file is found by identity (inode plus
/// fingerprint) at the path or among its rotated siblings, and resumed at its saved offset, read again
/// from its start (truncated or rewritten while stopped), or reported lost. Siblings the checkpoint does
/// not know that were written after it was taken were rotated in while the watcher was stopped: they are
/// read in full, oldest first, before the file at the path. Compressed ones among them cannot be read
/// and are reported lost, by name.
/// </summary>
internal sealed class CheckpointResumer(TailerSettings settings, IAccessLogSink sink, ILogger logger)
{
    /// <summary>
    /// File times come from the kernel's coarse clock and may lag the checkpoint's clock a little. A file
    /// written within this margin before the checkpoint still counts as new unless the checkpoint names it;
    /// a file the watcher had finished was quiet for the drain period (5 s or more) before it closed it.
    /// </summary>
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(1);

    private readonly byte[] _scratch = new byte[FileFingerprint.MaxLength];

    /// <summary>Opens what <paramref name="checkpoint"/> names into <paramref name="files"/>.</summary>
    public void Resume(TailCheckpoint checkpoint, RotationFollower files)
    {
        List<(string Path, FileStatus Status)> candidates = RotatedSiblings.Of(files.FullPath);
        var lost = new List<string>();
        var seen = new HashSet<(ulong, ulong)>();
        RotationKind? currentKind = null;
        foreach (TailPosition saved in checkpoint.Draining)
        {
            if (seen.Add((saved.Identity.Device, saved.Identity.Inode)))
            {
                ResumeSafely(saved, candidates, files, wasCurrent: false, lost);
            }
        }
        if (checkpoint.Current is { } current && seen.Add((current.Identity.Device, current.Identity.Inode)))
        {
            currentKind = ResumeSafely(current, candidates, files, wasCurrent: true, lost);
        }
        foreach (TailPosition retired in checkpoint.Retired.Reverse())
        {
            files.RememberRetired(retired);
            seen.Add((retired.Identity.Device, retired.Identity.Inode));
        }
        if (checkpoint.TakenAt is { } takenAt)
        {
            ReadRotatedSince(takenAt - ClockMargin, files, seen, currentKind, lost);
        }
        if (lost.Count > 0)
        {
            TailerLog.FilesLost(logger, string.Join("; ", lost));
        }
        files.Changed = true;
    }

    private RotationKind? ResumeSafely(TailPosition saved, List<(string Path, FileStatus Status)> candidates, RotationFollower files, bool wasCurrent, List<string> lost)
    {
        try
        {
            return ResumeFile(saved, candidates, files, wasCurrent, lost);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never a crash loop over one file: it is reported, and the log is followed on.
            TailerLog.ResumeFailed(logger, e, $"device {saved.Identity.Device}, inode {saved.Identity.Inode}");
            if (e is UnauthorizedAccessException)
            {
                sink.OnReadError(ReadError.PermissionDenied);
            }
            sink.OnFileLost();
            lost.Add($"the saved file (inode {saved.Identity.Inode}) could not be resumed");
            return RotationKind.Recreated;
        }
    }

    /// <summary>Resumes one saved position; returns what became of the file (null: still at the path, intact).</summary>
    private RotationKind? ResumeFile(TailPosition saved, List<(string Path, FileStatus Status)> candidates, RotationFollower files, bool wasCurrent, List<string> lost)
    {
        TailedFile? file = null;
        foreach ((string path, FileStatus status) in candidates)
        {
            if (status.Device == saved.Identity.Device && status.Inode == saved.Identity.Inode)
            {
                file = TailedFile.OpenIfSame(path, status, settings.MaxLineBytes, _scratch);
                if (file is not null)
                {
                    break;
                }
            }
        }

        bool fingerprintMatches = file is not null && file.Matches(saved.Identity, _scratch);
        RotationKind? kind = null;
        switch (RotationDetector.Resume(saved, file is not null, file?.KnownLength ?? 0, fingerprintMatches))
        {
            case ResumeAction.Lost:
                TailerLog.ResumeLost(logger, saved.Identity.Device, saved.Identity.Inode, saved.Offset);
                sink.OnFileLost();
                lost.Add($"the saved {(wasCurrent ? "log" : "rotated file")} (inode {saved.Identity.Inode}, read up to offset {saved.Offset}) is gone: whatever was written to it after that");
                if (wasCurrent)
                {
                    files.ExpectReplacement(RotationKind.Recreated);
                }
                return RotationKind.Recreated;
            case ResumeAction.FromStart:
                TailerLog.ResumeTruncated(logger, file!.Name, saved.Offset, file.KnownLength);
                sink.OnRotation(RotationKind.Truncated);
                files.DrainCopyOf(saved.Identity, saved.Offset);
                kind = RotationKind.Truncated;
                break;
            case ResumeAction.FromOffset:
                file!.ResumeAt(saved.Offset, saved.Identity);
                file.ExtendFingerprint(_scratch);
                TailerLog.Resuming(logger, file.Name, saved.Identity.Device, saved.Identity.Inode, saved.Offset);
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
    private void ReadRotatedSince(DateTimeOffset since, RotationFollower files, HashSet<(ulong, ulong)> seen, RotationKind? kind, List<string> lost)
    {
        string folder = Path.GetDirectoryName(files.FullPath)!;
        if (!Directory.Exists(folder))
        {
            return;
        }
        var rotated = new List<(string Path, FileStatus Status)>();
        foreach (string sibling in Directory.EnumerateFiles(folder, Path.GetFileName(files.FullPath) + "*"))
        {
            if (string.Equals(sibling, files.FullPath, StringComparison.Ordinal)
                || FileStatus.OfPath(sibling) is not { } status
                || !status.IsRegularFile
                || status.ModifiedAt <= since.UtcTicks
                || seen.Contains((status.Device, status.Inode))
                || files.IsOpen(status.Device, status.Inode))
            {
                continue;
            }
            if (RotatedSiblings.IsCompressed(sibling))
            {
                sink.OnFileLost();
                lost.Add($"{Path.GetFileName(sibling)} was compressed before it could be read");
                continue;
            }
            rotated.Add((sibling, status));
        }
        foreach ((string path, FileStatus status) in rotated.OrderBy(r => r.Status.ModifiedAt).ThenByDescending(r => r.Path, StringComparer.Ordinal))
        {
            TailedFile? file = TailedFile.OpenIfSame(path, status, settings.MaxLineBytes, _scratch);
            if (file is null)
            {
                continue;
            }
            TailerLog.RotatedWhileStopped(logger, path);
            sink.OnRotation(kind == RotationKind.Truncated ? RotationKind.Truncated : RotationKind.Renamed);
            files.ResumeDraining(file, null, offset: 0);
        }
    }
}
