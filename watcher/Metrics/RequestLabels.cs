using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// Turns a parsed line into the key of its label set, dimension by dimension as the layout lists them:
/// method, status (or its class), route, then the labels taken from log_format variables. Allocation-free for
/// values already seen.
/// </summary>
internal sealed class RequestLabels
{
    private readonly bool _statusClasses;
    private readonly RouteTable _routes;
    private readonly int _route;
    private readonly (int Dimension, LabelValues Values)[] _variables;

    public RequestLabels(MetricsLayout layout, RouteTable routes, bool statusClasses)
    {
        _routes = routes;
        _statusClasses = statusClasses;
        _route = layout.DimensionOf(DimensionKind.Route);
        _variables = [.. Enumerable.Range(0, layout.Dimensions.Count)
            .Where(d => layout.Dimensions[d].Kind == DimensionKind.Variable)
            .Select(d => (d, layout.Dimensions[d].Values!))];
    }

    /// <summary>How many variable values a line's record must have room for (the format captures them in this order).</summary>
    public int Captures => _variables.Length;

    public LabelKey KeyOf(ref AccessLogRecord record, ReadOnlySpan<byte> line)
    {
        int status = _statusClasses ? StatusLabel.Class(record.Status) : StatusLabel.Normalize(record.Status);
        var key = default(LabelKey).With(0, HttpMethods.Index(record.Method)).With(1, status);
        if (_route >= 0)
        {
            key = key.With(_route, _routes.Match(record.Path));
        }
        for (int i = 0; i < _variables.Length; i++)
        {
            var (dimension, values) = _variables[i];
            key = key.With(dimension, values.Intern(line[record.Captures[i]]));
        }
        return key;
    }

    /// <summary>The dimensions a layout has for these settings, in key order.</summary>
    public static List<LabelDimension> Dimensions(RouteTable routes, bool statusClasses, IReadOnlyList<LabelOptions>? labels = null)
    {
        List<LabelDimension> dimensions = [LabelDimension.Method(), LabelDimension.Status(statusClasses)];
        if (routes.Enabled)
        {
            dimensions.Add(LabelDimension.Route(routes));
        }
        foreach (var label in labels ?? [])
        {
            var values = new LabelValues(label.MaxValues, label.Allow.Count > 0 ? label.Allow : null);
            dimensions.Add(LabelDimension.Variable(label.Name, values, label.OnHistograms));
        }
        return dimensions;
    }

    /// <summary>The variables whose values the format must capture, in the order of the label dimensions.</summary>
    public static string[] CapturedVariables(IReadOnlyList<LabelOptions> labels) => [.. labels.Select(l => l.VariableName)];
}
