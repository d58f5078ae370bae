namespace Sidecars.Watcher.Tailing;

/// <summary>Where to continue a file that a saved checkpoint names.</summary>
internal enum ResumeAction
{
    /// <summary>Same file, intact: continue at the saved offset.</summary>
    FromOffset,
    /// <summary>Same inode, but truncated or rewritten while stopped: read it from 0.</summary>
    FromStart,
    /// <summary>Not found anywhere: the lines written to it while stopped are lost.</summary>
    Lost,
}
