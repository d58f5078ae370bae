using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Counts the paths no route matched (once mode: what to write routes for), each collapsed to its shape.
/// Each part of a segment between dots is looked at on its own: digits become <c>{n}</c>, a UUID
/// <c>{uuid}</c>, 6 or more hex digits with at least one digit <c>{hex}</c> (<c>/users/123/orders</c> →
/// <c>/users/{n}/orders</c>, <c>/static/app.6f6496.js</c> → <c>/static/app.{hex}.js</c>). Bounded: at most
/// <see cref="MaxPaths"/> distinct shapes are kept, in the order first seen, and lines with any other
/// shape are counted in <see cref="More"/>; a shape is cut after <see cref="MaxPathBytes"/> bytes.
/// Cheap enough for every line of a replay: the first <see cref="ExactLines"/> paths are all counted,
/// later ones 1 in <see cref="SampleEvery"/> on average, at random gaps, each counting for that many (collapsing and
/// looking up a path costs a third of parsing its line; a list of the most frequent paths does not need
/// every line of a log of millions). Pure: no I/O, no clock; a known shape is counted without allocating.
/// </summary>
internal sealed class UnmatchedPaths
{
    public const int DefaultMaxPaths = 10_000;

    /// <summary>Paths counted one by one before sampling starts: the counts of a smaller log are exact.</summary>
    public const long ExactLines = 5_000;

    /// <summary>Beyond <see cref="ExactLines"/>, one path in this many is counted, for this many.</summary>
    public const int SampleEvery = 64;
    public const int MaxPathBytes = 200;
    /// <summary>Hex ids shorter than this stay as they are (<c>beef42</c> is collapsed, <c>cafe1</c> is not).</summary>
    public const int MinHexLength = 6;

    private readonly Dictionary<byte[], long> _counts = new(new ByteKeys());
    private readonly Dictionary<byte[], long>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private ulong _random = 0x9E3779B97F4A7C15; // fixed: a replay of the same log lists the same counts
    private int _skip = 1;

    public UnmatchedPaths(int maxPaths = DefaultMaxPaths)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPaths);
        MaxPaths = maxPaths;
        _lookup = _counts.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int MaxPaths { get; }

    /// <summary>Paths seen (exact, sampled or not).</summary>
    public long Lines { get; private set; }

    /// <summary>True when the counts are estimates: more than <see cref="ExactLines"/> paths were seen.</summary>
    public bool Sampled => Lines > ExactLines;

    /// <summary>Paths whose shape was not kept because <see cref="MaxPaths"/> shapes already were (an estimate when <see cref="Sampled"/>).</summary>
    public long More { get; private set; }

    /// <summary>Distinct shapes kept.</summary>
    public int Count => _counts.Count;

    /// <summary>Counts one path, without its query (an empty one is not a path and is not counted).</summary>
    [SkipLocalsInit]
    public void Add(ReadOnlySpan<byte> path)
    {
        if (path.IsEmpty)
        {
            return;
        }
        int weight = 1;
        if (++Lines > ExactLines)
        {
            if (--_skip > 0)
            {
                return;
            }
            // The next sample after a random gap of 1 to 2 x SampleEvery - 1 paths (SampleEvery on average),
            // so that no period in the log lines up with the samples. xorshift64: a few instructions.
            _random ^= _random << 13;
            _random ^= _random >> 7;
            _random ^= _random << 17;
            _skip = 1 + (int)(_random % (2 * SampleEvery - 1));
            weight = SampleEvery;
        }
        int query = path.IndexOfAny((byte)'?', (byte)'#');
        if (query >= 0)
        {
            path = path[..query];
        }
        if (path.IsEmpty)
        {
            return;
        }
        Span<byte> buffer = stackalloc byte[MaxPathBytes + 3];
        var shape = Collapse(path, buffer);
        ref long count = ref CollectionsMarshal.GetValueRefOrNullRef(_lookup, shape);
        if (!Unsafe.IsNullRef(ref count))
        {
            count += weight;
        }
        else if (_counts.Count < MaxPaths)
        {
            _lookup[shape] = weight;
        }
        else
        {
            More += weight;
        }
    }

    /// <summary>The counts of all kept shapes together.</summary>
    public long Counted => _counts.Values.Sum();

    /// <summary>The <paramref name="n"/> most frequent shapes, most frequent first (ties by path).</summary>
    public List<(string Path, long Count)> Top(int n) =>
        [.. _counts.Select(e => (Path: Encoding.UTF8.GetString(e.Key), Count: e.Value))
            .OrderByDescending(e => e.Count).ThenBy(e => e.Path, StringComparer.Ordinal).Take(n)];

    /// <summary>The shape of <paramref name="path"/>, written into <paramref name="buffer"/> (at least <see cref="MaxPathBytes"/> + 3 bytes).</summary>
    /// <remarks>One pass: each byte is copied as it is read and its part classified on the way (this runs for every line of a replay).</remarks>
    public static ReadOnlySpan<byte> Collapse(ReadOnlySpan<byte> path, Span<byte> buffer)
    {
        int length = 0, partStart = 0, partLength = 0;
        bool digits = true, hex = true, anyDigit = false, uuid = true;
        for (int i = 0; ; i++)
        {
            bool end = i == path.Length;
            byte b = end ? (byte)0 : path[i];
            if (end || b == '/' || b == '.')
            {
                var placeholder = partLength == 0 ? default
                    : digits ? "{n}"u8
                    : uuid && partLength == 36 ? "{uuid}"u8
                    : hex && anyDigit && partLength >= MinHexLength ? "{hex}"u8
                    : default;
                if (!placeholder.IsEmpty)
                {
                    length = partStart;
                    if (length + placeholder.Length > MaxPathBytes)
                    {
                        return Cut(buffer, length);
                    }
                    placeholder.CopyTo(buffer[length..]);
                    length += placeholder.Length;
                }
                else if (partStart + partLength > MaxPathBytes)
                {
                    return Cut(buffer, length); // the part was written as far as it fit
                }
                if (end)
                {
                    return buffer[..length];
                }
                if (length == MaxPathBytes)
                {
                    return Cut(buffer, length);
                }
                buffer[length++] = b;
                partStart = length;
                partLength = 0;
                digits = hex = uuid = true;
                anyDigit = false;
                continue;
            }
            bool isDigit = (uint)(b - '0') <= 9;
            bool isHex = isDigit || (uint)((b | 0x20) - 'a') <= 5;
            digits &= isDigit;
            anyDigit |= isDigit;
            hex &= isHex;
            uuid &= partLength is 8 or 13 or 18 or 23 ? b == '-' : isHex;
            partLength++;
            if (length < MaxPathBytes)
            {
                buffer[length++] = b;
            }
        }
    }

    // Ends the shape with "..." after what was written, without a character cut in two.
    private static ReadOnlySpan<byte> Cut(Span<byte> buffer, int length)
    {
        int lead = length - 1;
        while (lead > 0 && lead > length - 4 && (buffer[lead] & 0xC0) == 0x80)
        {
            lead--;
        }
        if (lead >= 0 && buffer[lead] >= 0xC0 && length - lead < (buffer[lead] >= 0xF0 ? 4 : buffer[lead] >= 0xE0 ? 3 : 2))
        {
            length = lead;
        }
        "..."u8.CopyTo(buffer[length..]);
        return buffer[..(length + 3)];
    }

    /// <summary>Byte-array keys compared by content, looked up by span without allocating.</summary>
    private sealed class ByteKeys : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] key) => GetHashCode((ReadOnlySpan<byte>)key);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)XxHash3.HashToUInt64(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
