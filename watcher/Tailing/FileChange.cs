namespace Sidecars.Watcher.Tailing;

/// <summary>What happened to the file being followed, seen from its path and its open handle.</summary>
internal enum FileChange
{
    /// <summary>The path still names the open file and nothing was cut: keep reading from the offset.</summary>
    Unchanged,
    /// <summary>Same file, but shorter than what was read or rewritten from the start: read again from 0.</summary>
    Truncated,
    /// <summary>The path names another file now: drain the open one, follow the new one from 0.</summary>
    Replaced,
    /// <summary>Nothing at the path (deleted, or renamed and not yet re-created): drain the open file, wait.</summary>
    Missing,
}
