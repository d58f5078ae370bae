namespace Sidecars.Watcher.Metrics;

/// <summary>
/// The exponential bucket schemas of Prometheus' native histograms. At schema <c>s</c> each power of two is
/// split into <c>2^s</c> buckets, each bound the one before times <c>2^(2^-s)</c>, and bucket <c>i</c> holds the
/// values in <c>(2^((i-1)/2^s), 2^(i/2^s)]</c>. Pure. Learnt from client_golang's histogram.go, own code: the
/// index of a value comes from its binary exponent and fraction (<c>math.Frexp</c> there), exact at the bounds.
/// </summary>
internal static class NativeSchema
{
    public const int Min = -4;
    public const int Max = 8;

    /// <summary>client_golang's default zero threshold, 2^-128: smaller values (and zero) go to the zero bucket.</summary>
    public static readonly double ZeroThreshold = Math.ScaleB(1, -128);

    /// <summary>client_golang's default NativeHistogramMaxBucketNumber.</summary>
    public const int DefaultMaxBuckets = 160;

    // For schema s > 0, the 2^s bounds of the fraction in [0.5, 1): 2^(i/2^s - 1).
    private static readonly double[][] s_fractionBounds = [.. Enumerable.Range(0, Max + 1).Select(Bounds)];

    /// <summary>
    /// The schema for a bucket factor as client_golang's NativeHistogramBucketFactor picks it: the largest
    /// schema whose bucket width is at most the factor (1.1 → 3, 2 → 0, 1.01 → 7), between -4 and 8.
    /// </summary>
    public static int ForBucketFactor(double factor)
    {
        if (!(factor > 1) || double.IsInfinity(factor))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "a bucket factor is above 1");
        }
        double floor = Math.Floor(Math.Log2(Math.Log2(factor)));
        return floor <= -Max ? Max : floor >= -Min ? Min : -(int)floor;
    }

    /// <summary>The index of the bucket of <paramref name="value"/> (positive, finite) at <paramref name="schema"/>.</summary>
    public static int Index(double value, int schema)
    {
        // value = fraction * 2^exponent with fraction in [0.5, 1), for a normal double (values here are above 2^-128).
        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1022;
        double fraction = BitConverter.Int64BitsToDouble((bits & unchecked((long)0x800F_FFFF_FFFF_FFFFUL)) | (1022L << 52));
        if (schema > 0)
        {
            var bounds = s_fractionBounds[schema];
            int at = Array.BinarySearch(bounds, fraction);
            if (at < 0)
            {
                at = ~at; // the first bound above the fraction
            }
            return at + ((exponent - 1) * bounds.Length);
        }
        int key = fraction == 0.5 ? exponent - 1 : exponent;
        int shift = -schema;
        return (key + (1 << shift) - 1) >> shift;
    }

    /// <summary>The upper bound of bucket <paramref name="index"/> at <paramref name="schema"/>.</summary>
    public static double UpperBound(int index, int schema) => Math.Pow(2, Math.ScaleB(index, -schema));

    /// <summary>The bucket at <c>schema - 1</c> that holds bucket <paramref name="index"/>: <c>ceil(index / 2)</c>.</summary>
    public static int Halved(int index) => index > 0 ? (index + 1) / 2 : index / 2;

    private static double[] Bounds(int schema)
    {
        if (schema <= 0)
        {
            return [];
        }
        int n = 1 << schema;
        var bounds = new double[n];
        for (int i = 0; i < n; i++)
        {
            bounds[i] = Math.Pow(2, ((double)i / n) - 1);
        }
        return bounds;
    }
}
