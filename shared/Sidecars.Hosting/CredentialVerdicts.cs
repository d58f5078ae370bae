namespace Sidecars.Hosting;

/// <summary>
/// What bcrypt said about each <c>Authorization</c> header seen, so that a header costs at most one
/// check, the right one and a wrong one alike (the exporter-toolkit caches both too). A header is known
/// only by a 128-bit keyed hash of it (see <see cref="BasicAuthenticator"/>), never by its text.
/// Memory is fixed whatever arrives: headers that passed have a small table of their own, which only
/// someone who knows a password can add to, so no number of wrong headers can push Prometheus' out;
/// headers that failed share a 4-way set-associative table, where the entry of a set used least
/// recently gives way. The hash is keyed with a secret, so a flood cannot aim at one set.
/// </summary>
internal sealed class CredentialVerdicts
{
    /// <summary>Distinct headers that passed kept at once: users times the ways of writing their password.</summary>
    public const int PassedCapacity = 64;

    /// <summary>Distinct headers that failed kept at once (24 bytes each).</summary>
    public const int FailedCapacity = FailedSets * Ways;

    private const int FailedSets = 256;
    private const int Ways = 4;

    private readonly UInt128[] _passedKeys = new UInt128[PassedCapacity];
    private readonly long[] _passedUsed = new long[PassedCapacity];
    private readonly UInt128[] _failedKeys = new UInt128[FailedCapacity];
    private readonly long[] _failedUsed = new long[FailedCapacity];
    private readonly Lock _lock = new();

    // A use counter, not a clock: it only orders uses. 0 marks an empty slot.
    private long _uses;

    /// <summary>True or false when the header with this key was checked before; null when it was not (or was forgotten).</summary>
    public bool? Lookup(UInt128 key)
    {
        lock (_lock)
        {
            long use = ++_uses;
            int passed = Find(_passedKeys, _passedUsed, 0, PassedCapacity, key);
            if (passed >= 0)
            {
                _passedUsed[passed] = use;
                return true;
            }
            int set = SetOf(key);
            int failed = Find(_failedKeys, _failedUsed, set, Ways, key);
            if (failed >= 0)
            {
                _failedUsed[failed] = use;
                return false;
            }
            return null;
        }
    }

    /// <summary>Keeps the verdict for the header with this key, in place of the least recently used entry when full.</summary>
    public void Remember(UInt128 key, bool passed)
    {
        lock (_lock)
        {
            long use = ++_uses;
            if (passed)
            {
                Put(_passedKeys, _passedUsed, 0, PassedCapacity, key, use);
            }
            else
            {
                Put(_failedKeys, _failedUsed, SetOf(key), Ways, key, use);
            }
        }
    }

    /// <summary>How many verdicts are kept (passed, failed).</summary>
    public (int Passed, int Failed) Count
    {
        get
        {
            lock (_lock)
            {
                return (_passedUsed.Count(u => u != 0), _failedUsed.Count(u => u != 0));
            }
        }
    }

    private static int SetOf(UInt128 key) => (int)(ulong)(key % FailedSets) * Ways;

    private static int Find(UInt128[] keys, long[] used, int start, int count, UInt128 key)
    {
        for (int i = start; i < start + count; i++)
        {
            if (used[i] != 0 && keys[i] == key)
            {
                return i;
            }
        }
        return -1;
    }

    private static void Put(UInt128[] keys, long[] used, int start, int count, UInt128 key, long use)
    {
        int slot = Find(keys, used, start, count, key);
        if (slot < 0)
        {
            // An empty slot has use 0, so it is the least recently used.
            slot = start;
            for (int i = start + 1; i < start + count; i++)
            {
                if (used[i] < used[slot])
                {
                    slot = i;
                }
            }
            keys[slot] = key;
        }
        used[slot] = use;
    }
}
