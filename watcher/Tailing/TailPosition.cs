namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Everything before <see cref="Offset"/> in the file <see cref="Identity"/> has been delivered as
/// complete lines (or skipped as too long). The watcher saves it with its counters, atomically.
/// </summary>
internal readonly record struct TailPosition(FileIdentity Identity, long Offset);
