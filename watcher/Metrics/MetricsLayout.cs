using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher.Metrics;

/// <summary>Which optional metric families the log format can feed.</summary>
internal readonly record struct FormatFeatures(
    bool BodyBytes, bool BytesSent, bool RequestLength, bool RequestTime,
    bool UpstreamResponseTime, bool UpstreamConnectTime, bool UpstreamHeaderTime, bool CacheStatus)
{
    public static FormatFeatures All => new(true, true, true, true, true, true, true, true);

    public static FormatFeatures Of(LogFormat format) => new(
        format.HasVariable("body_bytes_sent"), format.HasVariable("bytes_sent"), format.HasVariable("request_length"),
        format.HasVariable("request_time"), format.HasVariable("upstream_response_time"),
        format.HasVariable("upstream_connect_time"), format.HasVariable("upstream_header_time"),
        format.HasVariable("upstream_cache_status"));
}

/// <summary>
/// The shape shared by every copy of the metric values: buckets, routes, which families exist, and
/// the table of {method,status,route} label sets. A label set gets a small id the first time it is
/// seen (found through a dense lookup array, no allocation); ids are never reused, so arrays indexed
/// by id can be copied between the staged and published values. Only the hot-path thread adds sets.
/// </summary>
internal sealed class MetricsLayout
{
    private const int StatusSlots = 501; // "other" + 100..599
    private readonly int[] _lookup; // key -> id + 1
    private readonly byte[] _setMethod;
    private readonly short[] _setStatus;
    private readonly short[] _setRoute;
    private int _count;

    public MetricsLayout(RouteTable routes, double[] durationBuckets, double[] sizeBuckets, int maxLabelSets, FormatFeatures features)
    {
        Routes = routes;
        DurationBuckets = durationBuckets;
        SizeBuckets = sizeBuckets;
        MaxLabelSets = maxLabelSets;
        Features = features;
        Capacity = maxLabelSets + 1; // room for the overflow set even when the cap is reached
        _lookup = new int[HttpMethods.Count * StatusSlots * RouteCount];
        _setMethod = new byte[Capacity];
        _setStatus = new short[Capacity];
        _setRoute = new short[Capacity];
    }

    public RouteTable Routes { get; }
    public double[] DurationBuckets { get; }
    public double[] SizeBuckets { get; }
    public int MaxLabelSets { get; }
    public FormatFeatures Features { get; }
    public int Capacity { get; }

    /// <summary>1 without routes (no <c>route</c> label), else the most route values there can be (<c>other</c> included).</summary>
    public int RouteCount => Routes.Enabled ? Routes.ValueCapacity : 1;

    /// <summary>Histograms are labelled by method and route only.</summary>
    public int HistogramSeries => HttpMethods.Count * RouteCount;

    public int LabelSetCount => Volatile.Read(ref _count);

    public const int OverflowRoute = LabelValues.OtherId;

    /// <summary>
    /// The id of {method,status,route}; a new combination beyond <see cref="MaxLabelSets"/> gets the
    /// id of {other,other,other} and <paramref name="overflow"/> is true.
    /// </summary>
    public int GetOrAdd(int method, int status, int route, out bool overflow)
    {
        overflow = false;
        int key = Key(method, status, route);
        int id = _lookup[key] - 1;
        if (id >= 0)
        {
            return id;
        }
        if (_count >= MaxLabelSets)
        {
            overflow = true;
            key = Key(HttpMethods.Other, StatusLabel.Other, OverflowRoute);
            id = _lookup[key] - 1;
            if (id >= 0)
            {
                return id;
            }
            method = HttpMethods.Other;
            status = StatusLabel.Other;
            route = OverflowRoute;
            if (_count >= Capacity)
            {
                throw new InvalidOperationException("label set table is full");
            }
        }
        id = _count;
        _setMethod[id] = (byte)method;
        _setStatus[id] = (short)status;
        _setRoute[id] = (short)route;
        _lookup[key] = id + 1;
        Volatile.Write(ref _count, id + 1);
        return id;
    }

    public (int Method, int Status, int Route) LabelSet(int id) => (_setMethod[id], _setStatus[id], _setRoute[id]);

    public int HistogramSeriesOf(int method, int route) => method * RouteCount + route;

    private int Key(int method, int status, int route) =>
        ((method * StatusSlots) + (status == StatusLabel.Other ? 0 : status - 99)) * RouteCount + route;
}
