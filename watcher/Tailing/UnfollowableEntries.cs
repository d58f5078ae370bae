using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Entries the tailer meets while it looks for logs and their files, and cannot follow: what a glob matches, a
/// log's rotated siblings, a log's own path, when stat or open fails on them (a symlink loop, a link into a folder
/// that may not be searched, a name too long, an I/O error), and what a glob matches that is not a regular file
/// (a FIFO, a socket, a device). No such entry stops the tailer: it is skipped, counted once in
/// <c>watcher_read_errors_total</c> (again only once it was fine or gone in between, or fails another way), and
/// told in summary lines (<see cref="SummaryLine"/>), never a line each. Called on the tailer's thread only.
/// </summary>
internal sealed class UnfollowableEntries(ITailEvents counter, ILogger logger, SummaryLine summary)
{
    /// <summary>
    /// Entries remembered at most. Past it the memory starts again, so a folder of millions of broken links
    /// cannot grow it without bound (its entries are then counted again, once each time round).
    /// </summary>
    public const int Capacity = 16_384;

    private readonly Dictionary<string, ReadError> _counted = new(StringComparer.Ordinal);

    /// <summary>An entry was counted since the tailer last reset this (at its checkpoints, where counts are published).</summary>
    public bool Counted { get; set; }

    /// <summary>Counts the entry at <paramref name="path"/> unless it was counted for the same reason already; true when it was counted now.</summary>
    public bool Count(string path, ReadError reason)
    {
        if (_counted.TryGetValue(path, out ReadError known) && known == reason)
        {
            return false;
        }
        if (_counted.Count >= Capacity)
        {
            _counted.Clear();
        }
        _counted[path] = reason;
        counter.OnReadError(reason);
        Counted = true;
        return true;
    }

    /// <summary>Skips the entry: counted once (<see cref="Count"/>), and named in the next summary line when new.</summary>
    public void Skip(string path, ReadError reason, string what)
    {
        if (Count(path, reason))
        {
            summary.Add($"{path}: {what}");
        }
    }

    /// <summary>Skips an entry that stat or open failed on with <paramref name="errno"/>.</summary>
    public void Skip(string path, int errno) => Skip(path, ReadErrors.FromErrno(errno), ReadErrors.Describe(errno));

    /// <summary>Skips an entry that an operation failed on with <paramref name="exception"/>.</summary>
    public void Skip(string path, Exception exception) => Skip(path, ReadErrors.Of(exception), exception.Message);

    /// <summary>The entry at <paramref name="path"/> is fine now (or gone): if it fails again, that counts again.</summary>
    public void Clear(string path)
    {
        if (_counted.Count > 0)
        {
            _counted.Remove(path);
        }
    }

    /// <summary>Writes the summary line when one is due (at most one per interval).</summary>
    public void Flush()
    {
        if (summary.TryTake(out int count, out string examples))
        {
            TailerLog.EntriesSkipped(logger, count, examples);
        }
    }
}
