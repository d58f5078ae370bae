using System.Globalization;

namespace Sidecars.Hosting;

/// <summary>Reads an <c>Accept-Encoding</c> header (RFC 9110, 12.5.3). Pure.</summary>
internal static class AcceptEncoding
{
    /// <summary>
    /// True when the header accepts gzip: <c>gzip</c> (or <c>x-gzip</c>) with a weight above zero, or
    /// <c>*</c> above zero without gzip refused by name. Weights and spacing as the RFC allows, names
    /// in any case.
    /// </summary>
    public static bool AcceptsGzip(IEnumerable<string?> headerValues)
    {
        bool? named = null;
        bool wildcard = false;
        foreach (string? value in headerValues)
        {
            if (value is null)
            {
                continue;
            }
            foreach (string item in value.Split(','))
            {
                string[] parts = item.Split(';');
                string coding = parts[0].Trim();
                if (coding.Length == 0)
                {
                    continue;
                }
                bool accepted = Weight(parts) > 0;
                if (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
                {
                    named = accepted;
                }
                else if (coding == "*")
                {
                    wildcard = accepted;
                }
            }
        }
        return named ?? wildcard;
    }

    private static double Weight(string[] parameters)
    {
        for (int i = 1; i < parameters.Length; i++)
        {
            string p = parameters[i].Trim();
            if (p.Length > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
            {
                return double.TryParse(p.AsSpan(2).Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double q) ? q : 0;
            }
        }
        return 1;
    }
}
