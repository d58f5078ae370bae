namespace Sidecars.Watcher.Metrics;

/// <summary>
/// The range of every counter the watcher keeps: 0 to <see cref="Max"/> (2^62). Additions stop at the top
/// instead of wrapping to negative numbers. One logged value has at most 18 digits (the parser's limit,
/// below 10^18), so no single line can jump past the top, and a saved state holding a value outside the
/// range can only be damaged.
/// </summary>
internal static class Counter
{
    public const long Max = 1L << 62;

    /// <summary><paramref name="total"/> + <paramref name="amount"/>, saturated at <see cref="Max"/> (both are in range).</summary>
    public static long Add(long total, long amount) => amount <= Max - total ? total + amount : Max;

    public static bool InRange(long value) => value is >= 0 and <= Max;
}
