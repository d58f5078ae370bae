namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Where reading one log stands: <see cref="Current"/> is the file at the log's path (null while it does not
/// exist yet); <see cref="Draining"/> are rotated files still open because nginx may still append to them;
/// <see cref="Retired"/> are files finished and closed recently, with their final positions (a file that
/// comes back to the path, a symlink flipped back, resumes there instead of being read again).
/// <see cref="Path"/> is the log's full path.
/// </summary>
internal sealed record LogPosition(string Path, TailPosition? Current, IReadOnlyList<TailPosition> Draining, IReadOnlyList<TailPosition> Retired);
