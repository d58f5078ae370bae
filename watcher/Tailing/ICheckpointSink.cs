namespace Sidecars.Watcher.Tailing;

/// <summary>Where a reader (the tailer, the syslog receiver) reports how far it delivered its lines.</summary>
internal interface ICheckpointSink
{
    /// <summary>
    /// Every line before the positions in <paramref name="checkpoint"/> was delivered (to the <see cref="ILineSink"/>
    /// of its log). The receiver saves the checkpoint together with its counters; a tailer started with it resumes
    /// exactly there. Called after every batch that was read (at least once per read to the end of a file).
    /// </summary>
    void OnCheckpoint(TailCheckpoint checkpoint);
}
