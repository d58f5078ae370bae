using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Turns a parsed line into the key of its label set, dimension by dimension as the layout lists them:
/// method, status (or its class), route. Allocation-free for values already seen.
/// </summary>
internal sealed class RequestLabels
{
    private readonly bool _statusClasses;
    private readonly RouteTable _routes;
    private readonly int _route;

    public RequestLabels(MetricsLayout layout, RouteTable routes, bool statusClasses)
    {
        _routes = routes;
        _statusClasses = statusClasses;
        _route = layout.DimensionOf(DimensionKind.Route);
    }

    public LabelKey KeyOf(ref AccessLogRecord record)
    {
        int status = _statusClasses ? StatusLabel.Class(record.Status) : StatusLabel.Normalize(record.Status);
        var key = default(LabelKey).With(0, HttpMethods.Index(record.Method)).With(1, status);
        if (_route >= 0)
        {
            key = key.With(_route, _routes.Match(record.Path));
        }
        return key;
    }

    /// <summary>The dimensions a layout has for these settings, in key order.</summary>
    public static List<LabelDimension> Dimensions(RouteTable routes, bool statusClasses)
    {
        List<LabelDimension> dimensions = [LabelDimension.Method(), LabelDimension.Status(statusClasses)];
        if (routes.Enabled)
        {
            dimensions.Add(LabelDimension.Route(routes));
        }
        return dimensions;
    }
}
