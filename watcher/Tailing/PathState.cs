namespace Sidecars.Watcher.Tailing;

/// <summary>What the log's path shows now: whether a file is there, which one, and how long it is.</summary>
internal readonly record struct PathState(bool Exists, FileId Id)
{
    public static PathState Missing => default;
}
