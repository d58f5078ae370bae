namespace Sidecars.Testing;

/// <summary>An exposition has no sample of the series a test asked for (<see cref="Exposition.Value"/>).</summary>
public sealed class MissingSeriesException : Exception
{
    public MissingSeriesException()
    {
    }

    public MissingSeriesException(string message) : base(message)
    {
    }

    public MissingSeriesException(string message, Exception inner) : base(message, inner)
    {
    }

    internal MissingSeriesException(string exposition, string name, string[] labels)
        : base(Describe(exposition, name, labels))
    {
    }

    // Names the series and lists the families that are there, so a rename shows at a glance.
    private static string Describe(string exposition, string name, string[] labels)
    {
        string series = labels.Length == 0 ? name : $"{name}{{{string.Join(",", labels)}}}";
        var families = exposition.Split('\n')
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2])
            .ToList();
        var sameName = exposition.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Take(10)
            .ToList();
        return sameName.Count > 0
            ? $"no sample of {series} in the exposition; samples of {name}: {string.Join(" | ", sameName)}"
            : $"no sample of {series} in the exposition; its families: {(families.Count == 0 ? "(none)" : string.Join(", ", families))}";
    }
}
