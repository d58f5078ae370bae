namespace Sidecars.Watcher;

/// <summary>
/// A label of the request counters taken from a log_format variable: <see cref="Name"/>="<c>$variable</c>'s value",
/// at most <see cref="MaxValues"/> distinct values (the rest, and any not in <see cref="Allow"/> when it is given,
/// count as <c>other</c>). On the histograms too only with <see cref="OnHistograms"/>: a label there multiplies
/// every bucket.
/// </summary>
internal sealed class LabelOptions
{
    public string Name { get; set; } = "";
    public string Variable { get; set; } = "";
    public int MaxValues { get; set; } = 50;
    public List<string> Allow { get; set; } = [];
    public bool OnHistograms { get; set; }

    /// <summary>The variable's name without <c>$</c>.</summary>
    public string VariableName => Variable.TrimStart('$');
}
