using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Continues from a saved checkpoint after a restart: finds each saved file by identity (inode plus
/// fingerprint) at the path or among its rotated siblings, and resumes it at its saved offset, reads it
/// again from its start (truncated or rewritten while stopped), or reports it lost.
/// </summary>
internal sealed class CheckpointResumer(TailerSettings settings, IAccessLogSink sink, ILogger logger)
{
    private readonly byte[] _scratch = new byte[FileFingerprint.MaxLength];

    /// <summary>Opens what <paramref name="checkpoint"/> names into <paramref name="files"/>.</summary>
    public void Resume(TailCheckpoint checkpoint, RotationFollower files)
    {
        List<(string Path, FileStatus Status)> candidates = RotatedSiblings.Of(files.FullPath);
        var seen = new HashSet<(ulong, ulong)>();
        foreach (TailPosition saved in checkpoint.Draining)
        {
            if (seen.Add((saved.Identity.Device, saved.Identity.Inode)))
            {
                ResumeFile(saved, candidates, files, wasCurrent: false);
            }
        }
        if (checkpoint.Current is { } current && seen.Add((current.Identity.Device, current.Identity.Inode)))
        {
            ResumeFile(current, candidates, files, wasCurrent: true);
        }
        files.Changed = true;
    }

    private void ResumeFile(TailPosition saved, List<(string Path, FileStatus Status)> candidates, RotationFollower files, bool wasCurrent)
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
        switch (RotationDetector.Resume(saved, file is not null, file?.KnownLength ?? 0, fingerprintMatches))
        {
            case ResumeAction.Lost:
                TailerLog.ResumeLost(logger, saved.Identity.Device, saved.Identity.Inode, saved.Offset);
                if (wasCurrent)
                {
                    files.ExpectReplacement(RotationKind.Recreated);
                }
                return;
            case ResumeAction.FromStart:
                TailerLog.ResumeTruncated(logger, file!.Name, saved.Offset, file.KnownLength);
                sink.OnRotation(RotationKind.Truncated);
                files.DrainCopyOf(saved.Identity, saved.Offset);
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
        }
        else
        {
            // Renamed away while stopped: finish it, then follow the new file at the path from its start.
            files.ResumeDraining(file, wasCurrent ? RotationKind.Renamed : null);
        }
    }
}
