namespace Sidecars.Watcher.Tailing;

/// <summary>What made <see cref="ChangeNotifier.Wait"/> return.</summary>
[Flags]
internal enum Changes
{
    None = 0,
    /// <summary>A followed name was created, renamed or deleted, or the watch itself went away.</summary>
    Names = 2,
    /// <summary><see cref="ChangeNotifier.Wake"/> was called (a scrape, shutdown).</summary>
    Woken = 4,
    /// <summary>The kernel's event queue overflowed: anything may have changed.</summary>
    Overflow = 8,
}
