using System.Text;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// The values one label takes, interned to small ids in the order they are first seen: at most
/// <see cref="MaxValues"/> of them (plus <c>other</c>, id 0, for everything beyond, for values not in an
/// allow list, and for values longer than <see cref="MaxValueBytes"/>). Looking a value up allocates
/// nothing; only a new value allocates, once. One thread adds values (the tailer's); any thread may read
/// them, so a scrape never sees a half-added value.
/// </summary>
internal sealed class LabelValues
{
    public const string Other = "other";
    public const int OtherId = 0;

    /// <summary>Longer values count as <c>other</c>: a label value is a name, not a payload.</summary>
    public const int MaxValueBytes = 256;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly HashSet<string>? _allowed;
    private readonly string[] _values;
    private int _count;

    /// <param name="maxValues">How many distinct values besides <c>other</c>.</param>
    /// <param name="allowed">When given, only these values are kept; anything else is <c>other</c>.</param>
    public LabelValues(int maxValues, IEnumerable<string>? allowed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxValues, 0);
        MaxValues = maxValues;
        _allowed = allowed?.ToHashSet(StringComparer.Ordinal);
        _values = new string[maxValues + 1];
        _values[OtherId] = Other;
        _ids[Other] = OtherId;
        _count = 1;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int MaxValues { get; }

    /// <summary>Ids handed out so far (<c>other</c> included): 0 to Count - 1.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The most ids there can ever be.</summary>
    public int Capacity => MaxValues + 1;

    /// <summary>How many values were turned into <c>other</c> because the table was full (not because they were not allowed).</summary>
    public long Overflowed { get; private set; }

    public string this[int id] => _values[id];

    /// <summary>The id of a UTF-8 value (the hot path: no allocation unless the value is new).</summary>
    public int Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxValueBytes)
        {
            return OtherId;
        }
        Span<char> chars = stackalloc char[MaxValueBytes];
        int length;
        try
        {
            length = Encoding.UTF8.GetChars(utf8, chars);
        }
        catch (ArgumentException)
        {
            return OtherId; // not decodable into the room (cannot happen for 256 bytes), never a crash
        }
        return _lookup.TryGetValue(chars[..length], out int id) ? id : Add(new string(chars[..length]));
    }

    /// <summary>The id of a value (restoring saved state, configuration).</summary>
    public int Intern(string value) =>
        Encoding.UTF8.GetByteCount(value) > MaxValueBytes ? OtherId : _ids.TryGetValue(value, out int id) ? id : Add(value);

    /// <summary>The id a value has now, without adding it; -1 when it has none yet.</summary>
    public int Find(string value) => _ids.TryGetValue(value, out int id) ? id : -1;

    /// <summary>The id a value has now, without adding it or allocating; -1 when it has none yet.</summary>
    public int Find(ReadOnlySpan<char> value) => _lookup.TryGetValue(value, out int id) ? id : -1;

    private int Add(string value)
    {
        if (_allowed is not null && !_allowed.Contains(value))
        {
            return OtherId;
        }
        int id = _count;
        if (id > MaxValues)
        {
            Overflowed++;
            return OtherId;
        }
        _values[id] = value;
        _ids[value] = id;
        Volatile.Write(ref _count, id + 1);
        return id;
    }
}
