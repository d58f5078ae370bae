namespace Sidecars.Watcher.Metrics;

/// <summary>Where a request label's values come from.</summary>
internal enum DimensionKind
{
    /// <summary><c>method</c>: the standard verbs or <c>other</c>.</summary>
    Method,
    /// <summary><c>status</c>: 100 to 599 (or 1xx to 5xx with <c>Watcher:StatusClasses</c>) or <c>other</c>.</summary>
    Status,
    /// <summary><c>route</c>: the configured routes.</summary>
    Route,
    /// <summary><c>log</c>: the name of the log file, when several are followed.</summary>
    Log,
    /// <summary>A label taken from a log_format variable (<c>Watcher:Labels</c>).</summary>
    Variable,
}

/// <summary>
/// One label of the request families: its name, its values (ids to names, names to ids) and whether the
/// histograms carry it. The label set cap holds over all of them together.
/// </summary>
internal sealed class LabelDimension
{
    private readonly Func<int, string> _name;
    private readonly Func<string, int> _intern;

    private LabelDimension(string name, DimensionKind kind, int otherId, int capacity, Func<int, string> valueName, Func<string, int> intern, bool onHistograms)
    {
        Name = name;
        Kind = kind;
        OtherId = otherId;
        Capacity = capacity;
        _name = valueName;
        _intern = intern;
        OnHistograms = onHistograms;
    }

    public string Name { get; }

    public DimensionKind Kind { get; }

    /// <summary>The id of <c>other</c>.</summary>
    public int OtherId { get; }

    /// <summary>The most distinct ids there can be.</summary>
    public int Capacity { get; }

    /// <summary>Whether the histograms are labelled by it too (method, route and log are; status and variables are not, by default).</summary>
    public bool OnHistograms { get; }

    /// <summary>Only for variable labels: their values.</summary>
    public LabelValues? Values { get; private init; }

    public string ValueName(int id) => _name(id);

    /// <summary>The id of a saved value (added when there is room, else <c>other</c>).</summary>
    public int Intern(string value) => _intern(value);

    public static LabelDimension Method() => new("method", DimensionKind.Method, HttpMethods.Other, HttpMethods.Count,
        id => HttpMethods.Names[id], HttpMethods.Index, onHistograms: true);

    public static LabelDimension Status(bool classes) => classes
        ? new("status", DimensionKind.Status, StatusLabel.Other, 6, StatusLabel.ClassName, StatusLabel.ClassIndex, onHistograms: false)
        : new("status", DimensionKind.Status, StatusLabel.Other, 600, StatusLabel.Name, StatusLabel.Index, onHistograms: false);

    public static LabelDimension Route(RouteTable routes) => new("route", DimensionKind.Route, LabelValues.OtherId, routes.ValueCapacity,
        routes.ValueName, routes.Intern, onHistograms: true);

    public static LabelDimension Log(LabelValues logs) => new("log", DimensionKind.Log, LabelValues.OtherId, logs.Capacity,
        id => logs[id], logs.Intern, onHistograms: true) { Values = logs };

    public static LabelDimension Variable(string name, LabelValues values, bool onHistograms) =>
        new(name, DimensionKind.Variable, LabelValues.OtherId, values.Capacity, id => values[id], values.Intern, onHistograms) { Values = values };
}
