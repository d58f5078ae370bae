using System.Text;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// The shape shared by every copy of the metric values: which families exist (the format feeds them), the
/// label dimensions, the buckets, and the table of label sets. A label set gets a small id the first time it
/// is seen (one dictionary lookup, no allocation); ids are never reused, so arrays indexed by id can be
/// copied between the staged and published values. Each label set also has a histogram series: the same
/// key with the dimensions histograms do not carry set to <c>other</c>; there are never more series than
/// label sets. Only the hot-path thread adds sets; other threads read ids below <see cref="LabelSetCount"/>.
/// </summary>
internal sealed class MetricsLayout
{
    private readonly Dictionary<LabelKey, int> _ids = [];
    private readonly Dictionary<LabelKey, int> _seriesIds = [];
    private readonly LabelKey[] _keys;
    private readonly int[] _seriesOf;
    private readonly LabelKey[] _seriesKeys;
    private readonly bool[] _enabled;
    // The rendered labels of each label set and series in UTF-8, made once (sets are never changed or reused).
    private readonly byte[]?[] _labelTexts;
    private readonly byte[]?[] _seriesLabelTexts;
    private int _count;
    private int _seriesCount;
    // With only method and status (the default), ids are found in a dense array instead of the dictionary:
    // id + 1 at method * statuses + status (0: not seen yet).
    private readonly int[]? _dense;
    private readonly int _statuses;

    public MetricsLayout(IReadOnlyList<LabelDimension> dimensions, double[] durationBuckets, double[] sizeBuckets, int maxLabelSets, Func<MetricFamily, bool> enabled)
    {
        if (dimensions.Count > LabelKey.MaxDimensions)
        {
            throw new ArgumentException($"at most {LabelKey.MaxDimensions} label dimensions", nameof(dimensions));
        }
        Dimensions = dimensions;
        DurationBuckets = durationBuckets;
        SizeBuckets = sizeBuckets;
        MaxLabelSets = maxLabelSets;
        Capacity = maxLabelSets + 1; // room for the overflow set even when the cap is reached
        _keys = new LabelKey[Capacity];
        _seriesOf = new int[Capacity];
        _seriesKeys = new LabelKey[Capacity];
        _labelTexts = new byte[]?[Capacity];
        _seriesLabelTexts = new byte[]?[Capacity];
        _enabled = [.. MetricFamilies.All.Select(enabled)];
        if (dimensions.Count == 2)
        {
            _statuses = dimensions[1].Capacity;
            _dense = new int[dimensions[0].Capacity * _statuses];
        }
        var overflow = default(LabelKey);
        for (int d = 0; d < dimensions.Count; d++)
        {
            overflow = overflow.With(d, dimensions[d].OtherId);
        }
        OverflowKey = overflow;
    }

    public IReadOnlyList<LabelDimension> Dimensions { get; }

    /// <summary>The schema native histogram series start at (Watcher:NativeHistograms), or null: classic buckets only.</summary>
    public int? NativeHistogramSchema { get; init; }

    public double[] DurationBuckets { get; }
    public double[] SizeBuckets { get; }
    public int MaxLabelSets { get; }
    public int Capacity { get; }

    /// <summary>Every dimension at <c>other</c>: where requests beyond the cap are counted.</summary>
    public LabelKey OverflowKey { get; }

    public int LabelSetCount => Volatile.Read(ref _count);

    public int SeriesCount => Volatile.Read(ref _seriesCount);

    /// <summary>The index of the first dimension of <paramref name="kind"/>, or -1.</summary>
    public int DimensionOf(DimensionKind kind)
    {
        for (int d = 0; d < Dimensions.Count; d++)
        {
            if (Dimensions[d].Kind == kind)
            {
                return d;
            }
        }
        return -1;
    }

    /// <summary>Whether <paramref name="family"/> exists here (the format has the variable that feeds it).</summary>
    public bool IsEnabled(MetricFamily family) => _enabled[family.Index] && (!family.Native || NativeHistogramSchema is not null);

    /// <summary>
    /// The id of the label set <paramref name="key"/>; a new set beyond <see cref="MaxLabelSets"/> gets the id of
    /// <see cref="OverflowKey"/> and <paramref name="overflow"/> is true.
    /// </summary>
    public int GetOrAdd(LabelKey key, out bool overflow)
    {
        overflow = false;
        int id;
        if (_dense is not null)
        {
            id = _dense[(key[0] * _statuses) + key[1]] - 1;
            if (id >= 0)
            {
                return id;
            }
        }
        else if (_ids.TryGetValue(key, out id))
        {
            return id;
        }
        if (_count >= MaxLabelSets)
        {
            overflow = true;
            key = OverflowKey;
            if (_ids.TryGetValue(key, out id))
            {
                return id;
            }
            if (_count >= Capacity)
            {
                throw new InvalidOperationException("label set table is full");
            }
        }
        id = _count;
        _keys[id] = key;
        _seriesOf[id] = SeriesFor(key);
        _ids[key] = id;
        if (_dense is not null)
        {
            _dense[(key[0] * _statuses) + key[1]] = id + 1;
        }
        Volatile.Write(ref _count, id + 1);
        return id;
    }

    public LabelKey KeyOf(int id) => _keys[id];

    /// <summary>The histogram series of label set <paramref name="id"/>.</summary>
    public int SeriesOf(int id) => _seriesOf[id];

    public LabelKey SeriesKey(int series) => _seriesKeys[series];

    /// <summary>The value of dimension <paramref name="dimension"/> in label set <paramref name="id"/>, by name.</summary>
    public string ValueOf(int id, int dimension) => Dimensions[dimension].ValueName(_keys[id][dimension]);

    /// <summary><c>name="value",...</c> of label set <paramref name="id"/> in UTF-8, rendered once.</summary>
    public byte[] LabelText(int id) => _labelTexts[id] ??= Render(_keys[id], histogram: false);

    /// <summary><c>name="value",...</c> of histogram series <paramref name="series"/> in UTF-8 (empty without labels), rendered once.</summary>
    public byte[] SeriesLabelText(int series) => _seriesLabelTexts[series] ??= Render(_seriesKeys[series], histogram: true);

    private byte[] Render(LabelKey key, bool histogram)
    {
        var text = new StringBuilder(64);
        WriteLabels(text, key, histogram);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Appends <c>name="value",...</c> for a label set (or, with <paramref name="histogram"/>, a series).</summary>
    public void WriteLabels(StringBuilder text, LabelKey key, bool histogram)
    {
        bool first = true;
        for (int d = 0; d < Dimensions.Count; d++)
        {
            var dimension = Dimensions[d];
            if (histogram && !dimension.OnHistograms)
            {
                continue;
            }
            if (!first)
            {
                text.Append(',');
            }
            first = false;
            text.Append(dimension.Name).Append("=\"");
            Exposition.Escape(text, dimension.ValueName(key[d])).Append('"');
        }
    }

    /// <summary>
    /// The id of the histogram series <paramref name="seriesKey"/> (restoring saved state); when the table is
    /// full, the series of the overflow set.
    /// </summary>
    public int GetOrAddSeries(LabelKey seriesKey)
    {
        if (_seriesIds.TryGetValue(seriesKey, out int series))
        {
            return series;
        }
        if (_seriesCount >= Capacity - 1 && seriesKey != SeriesKeyOf(OverflowKey))
        {
            return SeriesFor(OverflowKey);
        }
        return SeriesFor(seriesKey);
    }

    private LabelKey SeriesKeyOf(LabelKey key)
    {
        for (int d = 0; d < Dimensions.Count; d++)
        {
            if (!Dimensions[d].OnHistograms)
            {
                key = key.With(d, Dimensions[d].OtherId);
            }
        }
        return key;
    }

    private int SeriesFor(LabelKey key)
    {
        key = SeriesKeyOf(key);
        if (_seriesIds.TryGetValue(key, out int series))
        {
            return series;
        }
        series = _seriesCount;
        _seriesKeys[series] = key;
        _seriesIds[key] = series;
        Volatile.Write(ref _seriesCount, series + 1);
        return series;
    }
}

/// <summary>Which families a format feeds.</summary>
internal static class FormatFeatures
{
    /// <summary>A family exists when it needs no variable or the format has the one that feeds it.</summary>
    public static Func<MetricFamily, bool> Of(LogFormat format) => family => family.FedBy is null || format.HasVariable(family.FedBy);
}
