namespace Sidecars.Watcher.Metrics;

/// <summary>
/// One series of a native histogram: the counts of the buckets from the lowest to the highest used (empty ones
/// between included) at the current schema, and the zero bucket. At most <c>maxBuckets</c> of them: a value that
/// would need more halves the resolution first (schema minus one, each pair of buckets merged, as client_golang
/// does past its NativeHistogramMaxBucketNumber), so a series never holds more than <c>maxBuckets</c> longs.
/// Counting the range rather than only the buckets in use is stricter than client_golang, and bounds the memory.
/// The count and sum are the classic histogram's (<see cref="HistogramValues"/>). Values at or below the zero
/// threshold (2^-128: a 0 s request, an empty body) go to the zero bucket; nginx's values are never negative.
/// </summary>
internal sealed class NativeHistogram
{
    // Slots at and past Length are always zero, so the range grows without clearing.
    private long[] _counts;

    public NativeHistogram(int schema, int maxBuckets)
    {
        Schema = schema;
        MaxBuckets = maxBuckets;
        _counts = new long[Math.Min(16, maxBuckets)];
    }

    /// <summary>The most buckets held at once; a series holds at most this many longs.</summary>
    public int MaxBuckets { get; }

    public int Schema { get; private set; }

    /// <summary>The index of the first bucket held.</summary>
    public int Offset { get; private set; }

    /// <summary>How many buckets are held, from <see cref="Offset"/> on (0: none yet).</summary>
    public int Length { get; private set; }

    public long ZeroCount { get; set; }

    /// <summary>The counts of buckets <see cref="Offset"/> to <see cref="Offset"/> + <see cref="Length"/> - 1.</summary>
    public ReadOnlySpan<long> Counts => _counts.AsSpan(0, Length);

    /// <summary>Adds one observation; returns how many times the resolution was halved for it (0 almost always).</summary>
    public int Observe(double value)
    {
        if (!(value > NativeSchema.ZeroThreshold))
        {
            ZeroCount++;
            return 0;
        }
        return Add(NativeSchema.Index(value, Schema), 1);
    }

    /// <summary>Adds <paramref name="count"/> to bucket <paramref name="index"/> at the current schema; returns the halvings it took.</summary>
    private int Add(int index, long count)
    {
        if (Length > 0 && index >= Offset && index < Offset + Length)
        {
            _counts[index - Offset] += count;
            return 0;
        }
        int reductions = 0;
        while (true)
        {
            int low = Length == 0 ? index : Math.Min(Offset, index);
            int high = Length == 0 ? index : Math.Max(Offset + Length - 1, index);
            if (high - low + 1 <= MaxBuckets || Schema == NativeSchema.Min)
            {
                Extend(low, high);
                _counts[index - Offset] += count;
                return reductions;
            }
            Halve();
            reductions++;
            index = NativeSchema.Halved(index); // the bucket that holds the old one at the new schema
        }
    }

    /// <summary>
    /// Adds a saved series (its own schema, first index and counts) to this one: the finer of the two is halved
    /// to the coarser schema, so restoring two saved series into one (the overflow set) loses no observation.
    /// </summary>
    public void Merge(int schema, int offset, ReadOnlySpan<long> counts, long zeroCount)
    {
        while (Schema > schema)
        {
            Halve();
        }
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }
            int index = offset + i;
            for (int s = schema; s > Schema; s--)
            {
                index = NativeSchema.Halved(index);
            }
            Add(index, counts[i]);
        }
        ZeroCount += zeroCount;
    }

    /// <summary>
    /// Adds the observations a classic histogram counted before native histograms were on: each at its bucket's
    /// upper bound (beyond the last bound: in the native bucket after it), so the native count matches the classic one.
    /// </summary>
    public void SeedFromClassic(double[] bounds, ReadOnlySpan<long> buckets)
    {
        for (int i = 0; i < buckets.Length; i++)
        {
            if (buckets[i] == 0)
            {
                continue;
            }
            if (bounds.Length == 0)
            {
                ZeroCount += buckets[i];
                continue;
            }
            double bound = bounds[Math.Min(i, bounds.Length - 1)];
            int index = NativeSchema.Index(bound, Schema) + (i < bounds.Length ? 0 : 1);
            Add(index, buckets[i]);
        }
    }

    /// <summary>Sets the buckets and schema read back from the saved state (already validated).</summary>
    public void Restore(int schema, int offset, ReadOnlySpan<long> counts, long zeroCount)
    {
        if (_counts.Length < counts.Length)
        {
            _counts = new long[counts.Length];
        }
        else if (Length > counts.Length)
        {
            _counts.AsSpan(counts.Length, Length - counts.Length).Clear();
        }
        counts.CopyTo(_counts);
        Schema = schema;
        Offset = offset;
        Length = counts.Length;
        ZeroCount = zeroCount;
    }

    public void CopyTo(NativeHistogram other) => other.Restore(Schema, Offset, Counts, ZeroCount);

    /// <summary>Schema minus one: bucket i goes to ceil(i / 2).</summary>
    private void Halve()
    {
        Schema--;
        if (Length == 0)
        {
            return;
        }
        int offset = NativeSchema.Halved(Offset);
        int length = NativeSchema.Halved(Offset + Length - 1) - offset + 1;
        var merged = new long[Math.Max(length, 1)];
        for (int i = 0; i < Length; i++)
        {
            merged[NativeSchema.Halved(Offset + i) - offset] += _counts[i];
        }
        // Keep the larger array: the range will grow again.
        Array.Clear(_counts);
        merged.AsSpan(0, length).CopyTo(_counts);
        Offset = offset;
        Length = length;
    }

    /// <summary>Makes the held range <paramref name="low"/>..<paramref name="high"/>, keeping the counts.</summary>
    private void Extend(int low, int high)
    {
        int length = high - low + 1;
        if (Length == 0)
        {
            if (_counts.Length < length)
            {
                _counts = new long[Grown(length)];
            }
            Offset = low;
            Length = length;
            return;
        }
        int shift = Offset - low;
        if (_counts.Length < length)
        {
            var grown = new long[Grown(length)];
            _counts.AsSpan(0, Length).CopyTo(grown.AsSpan(shift));
            _counts = grown;
        }
        else if (shift > 0)
        {
            _counts.AsSpan(0, Length).CopyTo(_counts.AsSpan(shift));
            _counts.AsSpan(0, shift).Clear();
        }
        Offset = low;
        Length = length;
    }

    /// <summary>Doubling, but never past what the cap allows (a range wider than the cap exists only at schema -4).</summary>
    private int Grown(int length) => Math.Max(length, Math.Min(_counts.Length * 2, MaxBuckets));
}
