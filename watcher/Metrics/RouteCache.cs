using System.IO.Hashing;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// The route value id of paths (and hosts) seen before, so a repeated path costs a hash and a compare rather than
/// the regexes: a regex route costs about 1 µs a line, a hit about 0.05 µs (real traffic repeats its paths).
/// Direct-mapped: <see cref="Slots"/> slots, a path's slot from its hash, a newer path replacing an older one in
/// the same slot; keys longer than <see cref="MaxKeyBytes"/> are not kept, so the cache holds at most
/// <see cref="Slots"/> × <see cref="MaxKeyBytes"/> bytes of keys. Holds only what can never change: which
/// route's value a path gets, whether it fell beyond an expanding route's cap, and whether no route matched
/// (<see cref="RouteTable"/> never gives a value back). One thread uses it, the one that matches.
/// </summary>
internal sealed class RouteCache
{
    public const int Slots = 2048;
    public const int MaxKeyBytes = 256;

    private readonly Entry[] _entries = new Entry[Slots];

    /// <summary>The result kept for this path and host: the id (-1: no route matched) and whether it overflowed a cap.</summary>
    public bool TryGet(ReadOnlySpan<byte> path, ReadOnlySpan<byte> host, out int id, out bool overflowed)
    {
        ref var entry = ref _entries[SlotOf(path, host)];
        if (entry.Key is { } key && entry.PathLength == path.Length && entry.KeyLength == path.Length + host.Length
            && key.AsSpan(0, path.Length).SequenceEqual(path) && key.AsSpan(path.Length, host.Length).SequenceEqual(host))
        {
            id = entry.Id;
            overflowed = entry.Overflowed;
            return true;
        }
        id = 0;
        overflowed = false;
        return false;
    }

    /// <summary>Keeps the result for this path and host, unless the two together are longer than <see cref="MaxKeyBytes"/>.</summary>
    public void Add(ReadOnlySpan<byte> path, ReadOnlySpan<byte> host, int id, bool overflowed)
    {
        int length = path.Length + host.Length;
        if (length > MaxKeyBytes)
        {
            return;
        }
        ref var entry = ref _entries[SlotOf(path, host)];
        if (entry.Key is null || entry.Key.Length < length)
        {
            entry.Key = new byte[Math.Max(64, length)];
        }
        path.CopyTo(entry.Key);
        host.CopyTo(entry.Key.AsSpan(path.Length));
        entry.PathLength = path.Length;
        entry.KeyLength = length;
        entry.Id = id;
        entry.Overflowed = overflowed;
    }

    /// <summary>Forgets everything (values were added from outside the matching: a restored state).</summary>
    public void Clear() => Array.Clear(_entries);

    private static int SlotOf(ReadOnlySpan<byte> path, ReadOnlySpan<byte> host)
    {
        ulong hash = XxHash3.HashToUInt64(path, seed: host.Length);
        if (!host.IsEmpty)
        {
            hash ^= XxHash3.HashToUInt64(host) * 0x9E3779B97F4A7C15UL;
        }
        return (int)(hash & (Slots - 1));
    }

    private struct Entry
    {
        public byte[]? Key;
        public int PathLength;
        public int KeyLength;
        public int Id;
        public bool Overflowed;
    }
}
