namespace Sidecars.Watcher.Metrics;

/// <summary>How a family's samples are labelled and stored.</summary>
internal enum FamilyShape
{
    /// <summary>A counter per label set (<c>method</c>, <c>status</c>, and the configured dimensions).</summary>
    PerLabelSet,
    /// <summary>A histogram per series (the label set's dimensions that histograms carry).</summary>
    Histogram,
    /// <summary>A counter per value of one fixed label (<see cref="MetricFamily.Values"/>).</summary>
    ByValue,
    /// <summary>One counter without labels.</summary>
    Single,
    /// <summary>One gauge without labels: what is true now, not saved.</summary>
    Gauge,
}

/// <summary>
/// One metric family, declared once in <see cref="MetricFamilies"/>: its name, help, shape, the format
/// variable that feeds it (when it needs one) and its fixed label. Exposition, the saved state, copying and
/// validation are all driven from these declarations; adding a family is one entry plus the code that feeds it.
/// </summary>
/// <param name="Index">Its place in <see cref="MetricFamilies.All"/> (and in every values array).</param>
/// <param name="Name">The Prometheus name, with its unit and <c>_total</c> where due.</param>
/// <param name="Help">The HELP text.</param>
/// <param name="Shape">How it is labelled and stored.</param>
/// <param name="FedBy">The log_format variable without <c>$</c> that must be in the format for it to exist; null: always.</param>
/// <param name="Label">The fixed label of a <see cref="FamilyShape.ByValue"/> family.</param>
/// <param name="Values">That label's values.</param>
/// <param name="SizeBuckets">A histogram of sizes (bytes), not of durations.</param>
/// <param name="Native">It exists only with native histograms on (Watcher:NativeHistograms).</param>
internal sealed record MetricFamily(
    int Index, string Name, string Help, FamilyShape Shape,
    string? FedBy = null, string? Label = null, string[]? Values = null, bool SizeBuckets = false, bool Native = false)
{
    public string Type => Shape switch
    {
        FamilyShape.Histogram => "histogram",
        FamilyShape.Gauge => "gauge",
        _ => "counter",
    };

    /// <summary>Whether its values are saved with the state (gauges describe the running process and are not).</summary>
    public bool IsSaved => Shape != FamilyShape.Gauge;

    /// <summary>A request family: fed by parsed lines, labelled by the label sets.</summary>
    public bool IsRequestFamily => Shape is FamilyShape.PerLabelSet or FamilyShape.Histogram;

    /// <summary>The index of one of its fixed label's values.</summary>
    public int ValueIndex(string value) => Array.IndexOf(Values ?? [], value);
}
