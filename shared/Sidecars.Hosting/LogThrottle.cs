namespace Sidecars.Hosting;

/// <summary>
/// Lets a repeated problem reach the log at most once per period per kind, and counts what was
/// held back in between, so a flood of bad input or failing writes never floods the log.
/// </summary>
public sealed class LogThrottle(TimeProvider time, TimeSpan period)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private sealed class Entry
    {
        public long LastLogged;
        public long Suppressed;
    }

    /// <summary>
    /// True when this kind may be logged now; <paramref name="suppressed"/> is how many were held
    /// back since the last time it was logged.
    /// </summary>
    public bool ShouldLog(string kind, out long suppressed)
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            if (!_entries.TryGetValue(kind, out var entry))
            {
                _entries[kind] = new Entry { LastLogged = now };
                suppressed = 0;
                return true;
            }
            if (time.GetElapsedTime(entry.LastLogged, now) >= period)
            {
                suppressed = entry.Suppressed;
                entry.Suppressed = 0;
                entry.LastLogged = now;
                return true;
            }
            entry.Suppressed++;
            suppressed = 0;
            return false;
        }
    }
}
