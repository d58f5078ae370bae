namespace Sidecars.Watcher.Tailing;

/// <summary>What started a turn of the tailer (the <c>trigger</c> label of <c>watcher_read_turns_total</c>).</summary>
internal enum ReadTrigger
{
    /// <summary><c>Watcher:ReadInterval</c> passed (and the first turn at start).</summary>
    Interval,
    /// <summary>A scrape asked for everything the logs hold now.</summary>
    Scrape,
    /// <summary>A name in a log's folder was created, renamed or deleted (a rotation, a new log).</summary>
    Names,
}
