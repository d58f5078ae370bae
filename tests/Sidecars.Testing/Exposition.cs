using System.Globalization;

namespace Sidecars.Testing;

/// <summary>Reads samples out of a Prometheus text exposition.</summary>
public static class Exposition
{
    /// <summary>
    /// The sum of every sample of <paramref name="name"/> whose labels contain all of <paramref name="labels"/>
    /// (each like <c>method="GET"</c>). Throws <see cref="MissingSeriesException"/> when no sample matches, so that
    /// a renamed metric or label cannot pass for a zero: ask <see cref="ValueOrZero"/> where absence is expected.
    /// </summary>
    public static double Value(string exposition, string name, params string[] labels)
    {
        (double sum, int samples) = Sum(exposition, name, labels);
        return samples > 0 ? sum : throw new MissingSeriesException(exposition, name, labels);
    }

    /// <summary>
    /// Like <see cref="Value"/>, but 0 when no sample matches: for a series that may legitimately be absent (a
    /// request counter before the first request, a label set that must never appear).
    /// </summary>
    public static double ValueOrZero(string exposition, string name, params string[] labels) =>
        Sum(exposition, name, labels).Sum;

    /// <summary>True when at least one sample of <paramref name="name"/> has all of <paramref name="labels"/>.</summary>
    public static bool Has(string exposition, string name, params string[] labels) =>
        Sum(exposition, name, labels).Samples > 0;

    private static (double Sum, int Samples) Sum(string exposition, string name, string[] labels)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        ArgumentNullException.ThrowIfNull(name);
        double sum = 0;
        int samples = 0;
        foreach (string raw in exposition.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }
            string rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{'))
            {
                continue;
            }
            string labelText = rest[0] == '{' ? rest[1..rest.IndexOf('}', StringComparison.Ordinal)] : "";
            if (!labels.All(l => labelText.Split(',').Contains(l)))
            {
                continue;
            }
            string valueText = rest[(rest.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            sum += double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture);
            samples++;
        }
        return (sum, samples);
    }
}
