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
/// Pure: no I/O; a known shape is counted without allocating.
/// </summary>
internal sealed class UnmatchedPaths
{
    public const int DefaultMaxPaths = 10_000;
    public const int MaxPathBytes = 200;
    /// <summary>Hex ids shorter than this stay as they are (<c>beef42</c> is collapsed, <c>cafe1</c> is not).</summary>
    public const int MinHexLength = 6;

    private readonly Dictionary<byte[], long> _counts = new(new ByteKeys());
    private readonly Dictionary<byte[], long>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public UnmatchedPaths(int maxPaths = DefaultMaxPaths)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPaths);
        MaxPaths = maxPaths;
        _lookup = _counts.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int MaxPaths { get; }

    /// <summary>Lines counted (kept shapes and <see cref="More"/>).</summary>
    public long Lines { get; private set; }

    /// <summary>Lines whose shape was not kept because <see cref="MaxPaths"/> shapes already were.</summary>
    public long More { get; private set; }

    /// <summary>Distinct shapes kept.</summary>
    public int Count => _counts.Count;

    /// <summary>Counts one path, without its query (an empty one is not a path and is not counted).</summary>
    [SkipLocalsInit]
    public void Add(ReadOnlySpan<byte> path)
    {
        int query = path.IndexOfAny((byte)'?', (byte)'#');
        if (query >= 0)
        {
            path = path[..query];
        }
        if (path.IsEmpty)
        {
            return;
        }
        Lines++;
        Span<byte> buffer = stackalloc byte[MaxPathBytes + 3];
        var shape = Collapse(path, buffer);
        ref long count = ref CollectionsMarshal.GetValueRefOrNullRef(_lookup, shape);
        if (!Unsafe.IsNullRef(ref count))
        {
            count++;
        }
        else if (_counts.Count < MaxPaths)
        {
            _lookup[shape] = 1;
        }
        else
        {
            More++;
        }
    }

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
