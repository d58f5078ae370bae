using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>Reads one file from its start to its end as fast as it can, for <c>--once</c>.</summary>
internal static class OnceReader
{
    /// <summary>
    /// Delivers every complete line of <paramref name="path"/> to <paramref name="sink"/>, then reports one
    /// checkpoint to <paramref name="checkpoints"/>. A final line without <c>\n</c> is not delivered; its length is returned.
    /// </summary>
    public static OnceResult Read(string path, ILineSink sink, ICheckpointSink checkpoints, int maxLineBytes, CancellationToken ct)
    {
        Span<byte> scratch = stackalloc byte[FileFingerprint.MaxLength];
        using var file = TailedFile.Open(path, maxLineBytes, scratch);
        byte[] buffer = new byte[1 << 20];
        while (file.ReadChunk(buffer, sink) > 0)
        {
            ct.ThrowIfCancellationRequested();
        }
        file.ExtendFingerprint(scratch);
        checkpoints.OnCheckpoint(new TailCheckpoint([new LogPosition(Path.GetFullPath(path), file.Position, [], [])], file.LagBytes, file.TakeConsumedBytes()));
        return new OnceResult(file.ReadOffset, file.Splitter.PendingBytes);
    }
}
