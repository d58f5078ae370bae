namespace Sidecars.Watcher.Tailing;

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
