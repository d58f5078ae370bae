using System.Globalization;

namespace Sidecars.Testing;

/// <summary>Reads samples out of a Prometheus text exposition.</summary>
public static class Exposition
{
    /// <summary>
    /// The sum of every sample of <paramref name="name"/> whose labels contain all of <paramref name="labels"/>
    /// (each like <c>method="GET"</c>); 0 when there is none.
    /// </summary>
    public static double Value(string exposition, string name, params string[] labels)
    {
        double sum = 0;
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
        }
        return sum;
    }
}
