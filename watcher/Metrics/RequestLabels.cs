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
    private readonly int _log;
    private readonly (int Dimension, LabelValues Values)[] _variables;

    public RequestLabels(MetricsLayout layout, RouteTable routes, bool statusClasses)
    {
        _routes = routes;
        _statusClasses = statusClasses;
        _route = layout.DimensionOf(DimensionKind.Route);
        _log = layout.DimensionOf(DimensionKind.Log);
        Logs = _log >= 0 ? layout.Dimensions[_log].Values : null;
        _variables = [.. Enumerable.Range(0, layout.Dimensions.Count)
            .Where(d => layout.Dimensions[d].Kind == DimensionKind.Variable)
            .Select(d => (d, layout.Dimensions[d].Values!))];
    }

    /// <summary>The values of the <c>log</c> label (file names), when several logs are followed.</summary>
    public LabelValues? Logs { get; }

    /// <summary>How many variable values a line's record must have room for (the format captures them in this order).</summary>
    public int Captures => _variables.Length;

    /// <param name="record">The parsed line.</param>
    /// <param name="line">The line (the captured values are ranges in it).</param>
    /// <param name="log">The id of the line's log among <see cref="Logs"/> (0 when there is one log).</param>
    public LabelKey KeyOf(ref AccessLogRecord record, ReadOnlySpan<byte> line, int log = 0)
    {
        int status = _statusClasses ? StatusLabel.Class(record.Status) : StatusLabel.Normalize(record.Status);
        var key = default(LabelKey).With(0, HttpMethods.Index(record.Method)).With(1, status);
        if (_route >= 0)
        {
            key = key.With(_route, _routes.Match(record.Path, record.Host));
        }
        else if (_routes.OnUnmatched is not null)
        {
            _routes.Match(record.Path, record.Host); // once mode lists the paths, also without routes
        }
        if (_log >= 0)
        {
            key = key.With(_log, log);
        }
        for (int i = 0; i < _variables.Length; i++)
        {
            var (dimension, values) = _variables[i];
            key = key.With(dimension, values.Intern(line[record.Captures[i]]));
        }
        return key;
    }

    /// <summary>The dimensions a layout has for these settings, in key order.</summary>
    public static List<LabelDimension> Dimensions(RouteTable routes, bool statusClasses, IReadOnlyList<LabelOptions>? labels = null, int severalLogs = 0)
    {
        List<LabelDimension> dimensions = [LabelDimension.Method(), LabelDimension.Status(statusClasses)];
        if (routes.Enabled)
        {
            dimensions.Add(LabelDimension.Route(routes));
        }
        if (severalLogs > 0)
        {
            dimensions.Add(LabelDimension.Log(new LabelValues(severalLogs)));
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
