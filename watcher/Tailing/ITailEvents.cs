namespace Sidecars.Watcher.Tailing;

/// <summary>
/// What <see cref="AccessLogTailer"/> tells besides the lines, for all the logs it follows, on its one thread:
/// rotations, read errors, files lost, logs skipped, and the checkpoints. The lines go to each log's
/// <see cref="ILineSink"/>.
/// </summary>
internal interface ITailEvents : ICheckpointSink
{
    /// <summary>A log's file was rotated, truncated or re-created.</summary>
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
}
