namespace Sidecars.Watcher.Metrics;

/// <summary>
/// A label set as the ids of its values, one 16-bit id per dimension (at most <see cref="MaxDimensions"/>),
/// packed into two words: compared and hashed without allocating.
/// </summary>
internal readonly record struct LabelKey(ulong Low, ulong High)
{
    public const int MaxDimensions = 8;

    public int this[int dimension] => (int)(((dimension < 4 ? Low : High) >> (16 * (dimension & 3))) & 0xFFFF);

    /// <summary>This key with <paramref name="dimension"/> set to <paramref name="id"/>.</summary>
    public LabelKey With(int dimension, int id)
    {
        int shift = 16 * (dimension & 3);
        ulong mask = ~(0xFFFFUL << shift);
        ulong value = (ulong)(ushort)id << shift;
        return dimension < 4 ? new LabelKey((Low & mask) | value, High) : new LabelKey(Low, (High & mask) | value);
    }
}
