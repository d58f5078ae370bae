namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Receives what <see cref="AccessLogTailer"/> reads, in file order, on one thread. The tailer
/// calls <see cref="OnCheckpoint"/> after every batch it read (at least once per read to the end
/// of the file); everything delivered before a checkpoint belongs to that position.
/// </summary>
internal interface IAccessLogSink
{
    /// <summary>One complete line, without its <c>\n</c> (a <c>\r</c> before it is removed too).</summary>
    void OnLine(ReadOnlySpan<byte> line);

    /// <summary>A line longer than the limit was skipped; <paramref name="length"/> is its length in bytes without the newline.</summary>
    void OnLineTooLong(long length);

    /// <summary>The file was rotated, truncated or re-created.</summary>
    void OnRotation(RotationKind kind);

    /// <summary>Reading failed (the next turn tries again), or the path names something that is not a regular file.</summary>
    void OnReadError(ReadError error);

    /// <summary>
    /// A file the log had become could not be read (deleted, or compressed before the watcher got to it, while
    /// it was stopped): what was in it after the saved position is lost. Called once per file.
    /// </summary>
    void OnFileLost();

    /// <summary>A log matching the paths was not followed: the tailer already follows as many as it may.</summary>
    void OnLogSkipped(string path);

    /// <summary>
    /// Every line before the positions in <paramref name="checkpoint"/> was delivered. The sink saves
    /// the checkpoint together with its counters; a tailer started with it resumes exactly there.
    /// </summary>
    void OnCheckpoint(TailCheckpoint checkpoint);
}
