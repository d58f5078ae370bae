namespace Sidecars.Watcher.Tailing;

/// <summary>What the log's path shows now: whether a file is there, which one, and how long it is.</summary>
internal readonly record struct PathState(bool Exists, FileId Id)
{
    public static PathState Missing => default;
}

/// <summary>What happened to the file being followed, seen from its path and its open handle.</summary>
internal enum FileChange
{
    /// <summary>The path still names the open file and nothing was cut: keep reading from the offset.</summary>
    Unchanged,
    /// <summary>Same file, but shorter than what was read or rewritten from the start: read again from 0.</summary>
    Truncated,
    /// <summary>The path names another file now: drain the open one, follow the new one from 0.</summary>
    Replaced,
    /// <summary>Nothing at the path (deleted, or renamed and not yet re-created): drain the open file, wait.</summary>
    Missing,
}

/// <summary>Where to continue a file that a saved checkpoint names.</summary>
internal enum ResumeAction
{
    /// <summary>Same file, intact: continue at the saved offset.</summary>
    FromOffset,
    /// <summary>Same inode, but truncated or rewritten while stopped: read it from 0.</summary>
    FromStart,
    /// <summary>Not found anywhere: the lines written to it while stopped are lost.</summary>
    Lost,
}

/// <summary>The pure decisions about rotation; the tailer gathers the facts (stat, fingerprint) and acts.</summary>
internal static class RotationDetector
{
    /// <param name="atPath">The file at the log's path now.</param>
    /// <param name="open">The identity of the file the tailer has open.</param>
    /// <param name="openLength">The open file's length now (from its handle).</param>
    /// <param name="readOffset">How far the open file was read.</param>
    /// <param name="sameContent">Whether the bytes read from the open file are still there (its first bytes, and those just before the offset).</param>
    public static FileChange Decide(PathState atPath, FileIdentity open, long openLength, long readOffset, bool sameContent)
    {
        if (openLength < readOffset || !sameContent)
        {
            // Cut in place (copytruncate) or rewritten; this holds whatever the path shows now, because the
            // handle still reads this inode.
            return atPath.Exists && !SameFile(atPath, open) ? FileChange.Replaced : FileChange.Truncated;
        }
        if (!atPath.Exists)
        {
            return FileChange.Missing;
        }
        return SameFile(atPath, open) ? FileChange.Unchanged : FileChange.Replaced;
    }

    /// <summary>
    /// A file that left the path is reported as renamed while it still has a name (link count above 0),
    /// and as deleted-and-re-created when it has none.
    /// </summary>
    public static RotationKind KindOfReplacement(long oldFileLinkCount) =>
        oldFileLinkCount > 0 ? RotationKind.Renamed : RotationKind.Recreated;

    /// <param name="saved">The position the checkpoint holds.</param>
    /// <param name="found">Whether a file with the saved device and inode was found.</param>
    /// <param name="length">That file's length now.</param>
    /// <param name="fingerprintMatches">Whether its first <see cref="FileIdentity.FingerprintLength"/> bytes hash to the saved fingerprint.</param>
    public static ResumeAction Resume(TailPosition saved, bool found, long length, bool fingerprintMatches)
    {
        if (!found)
        {
            return ResumeAction.Lost;
        }
        return length < saved.Offset || !fingerprintMatches ? ResumeAction.FromStart : ResumeAction.FromOffset;
    }

    public static bool SameFile(PathState atPath, FileIdentity open) =>
        atPath.Exists && atPath.Id == open.Id;
}
