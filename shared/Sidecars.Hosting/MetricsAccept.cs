using System.Globalization;

namespace Sidecars.Hosting;

/// <summary>Chooses the exposition format from a scrape's <c>Accept</c> header (RFC 9110, 12.5.1). Pure.</summary>
internal static class MetricsAccept
{
    /// <summary>The protobuf exposition's media type with the parameters Prometheus sends and expects back.</summary>
    public const string ProtobufContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    /// <summary>The Prometheus text format; Prometheus 3 refuses a scrape without a valid type.</summary>
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The Content-Type of <paramref name="format"/>.</summary>
    public static string ContentType(MetricsFormat format) =>
        format == MetricsFormat.Protobuf ? ProtobufContentType : TextContentType;

    /// <summary>
    /// Protobuf when the header offers <c>application/vnd.google.protobuf</c> with
    /// <c>proto=io.prometheus.client.MetricFamily</c> and <c>encoding=delimited</c> at a weight above zero and
    /// not below that of <c>text/plain</c>; the text format otherwise (no header, text asked for, or only
    /// formats served here as text, such as OpenMetrics). Names and parameters in any case, spacing as the RFC allows.
    /// </summary>
    public static MetricsFormat Choose(IEnumerable<string?> headerValues)
    {
        double protobuf = 0;
        double text = 0;
        foreach (string? value in headerValues)
        {
            if (value is null)
            {
                continue;
            }
            foreach (string item in value.Split(','))
            {
                string[] parts = item.Split(';');
                string type = parts[0].Trim();
                if (type.Equals("application/vnd.google.protobuf", StringComparison.OrdinalIgnoreCase))
                {
                    if (Parameter(parts, "proto") is { } proto && proto.Equals("io.prometheus.client.MetricFamily", StringComparison.Ordinal)
                        && Parameter(parts, "encoding") is { } encoding && encoding.Equals("delimited", StringComparison.OrdinalIgnoreCase))
                    {
                        protobuf = Math.Max(protobuf, Weight(parts));
                    }
                }
                else if (type.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
                {
                    text = Math.Max(text, Weight(parts));
                }
            }
        }
        return protobuf > 0 && protobuf >= text ? MetricsFormat.Protobuf : MetricsFormat.Text;
    }

    private static string? Parameter(string[] parts, string name)
    {
        for (int i = 1; i < parts.Length; i++)
        {
            string p = parts[i].Trim();
            int equals = p.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && p.AsSpan(0, equals).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return p[(equals + 1)..].Trim().Trim('"');
            }
        }
        return null;
    }

    private static double Weight(string[] parts) =>
        Parameter(parts, "q") is { } q
            ? double.TryParse(q, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double weight) ? weight : 0
            : 1;
}
