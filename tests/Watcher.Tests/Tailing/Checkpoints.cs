using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>Checkpoints for tests that follow one log.</summary>
internal static class Checkpoints
{
    /// <summary>The full path the checkpoints of these tests name.</summary>
    public const string LogPath = "/var/log/nginx/access.log";

    /// <summary>A checkpoint of the one log at <see cref="LogPath"/>.</summary>
    public static TailCheckpoint OneLog(TailPosition? current, IReadOnlyList<TailPosition> draining, long lagBytes = 0, long bytesRead = 0) =>
        new([new LogPosition(LogPath, current, draining, [])], lagBytes, bytesRead);

    /// <summary>A checkpoint that names no file: it only publishes what was counted, and the bytes read.</summary>
    public static TailCheckpoint NoLog(long lagBytes = 0, long bytesRead = 0) => new([], lagBytes, bytesRead);

    /// <summary>The one log a checkpoint names; the test fails when it names none or several.</summary>
    public static LogPosition OnlyLog(this TailCheckpoint checkpoint) => Assert.Single(checkpoint.Logs);
}
