namespace Sidecars.Watcher.Tailing;

/// <summary>How the followed file changed under the tailer.</summary>
internal enum RotationKind
{
    /// <summary>Renamed away and a new file created at the path (logrotate <c>create</c>, then reopen).</summary>
    Renamed,
    /// <summary>Cut to a smaller size in place (logrotate <c>copytruncate</c>), or rewritten from the start.</summary>
    Truncated,
    /// <summary>Deleted, and a new file later created at the path.</summary>
    Recreated,
}
