using System.Globalization;

namespace Sidecars.Hosting;

/// <summary>
/// Durations as Prometheus and its exporters write them (<c>250ms</c>, <c>5s</c>, <c>1m30s</c>, <c>1h</c>, <c>2d</c>,
/// <c>1w</c>, <c>1y</c>: whole numbers, units from the largest down, each once) and as .NET does (<c>00:00:05</c>).
/// </summary>
public static class Durations
{
    /// <summary>What a duration setting takes, for messages.</summary>
    public const string Syntax = "a duration such as 250ms, 5s, 1m30s or 1h (or 00:00:05)";

    // Prometheus' units, largest first: each may appear once, in this order.
    private static readonly (string Unit, long Ticks)[] Units =
    [
        ("y", TimeSpan.TicksPerDay * 365), ("w", TimeSpan.TicksPerDay * 7), ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour), ("m", TimeSpan.TicksPerMinute), ("s", TimeSpan.TicksPerSecond), ("ms", TimeSpan.TicksPerMillisecond),
    ];

    /// <summary>A duration in the exporters' syntax: <c>250ms</c>, <c>5s</c>, <c>1m30s</c>, <c>0s</c>; sub-millisecond parts are dropped.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(-duration);
        }
        long ticks = duration.Ticks - (duration.Ticks % TimeSpan.TicksPerMillisecond);
        if (ticks == 0)
        {
            return duration == TimeSpan.Zero ? "0s" : duration.ToString("c", CultureInfo.InvariantCulture);
        }
        var text = new System.Text.StringBuilder();
        foreach (var (unit, size) in Units)
        {
            if (ticks >= size)
            {
                text.Append(CultureInfo.InvariantCulture, $"{ticks / size}{unit}");
                ticks %= size;
            }
        }
        return text.ToString();
    }

    /// <summary>Parses either form; false for anything else (empty, negative, a unit twice or out of order, overflow).</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var span = text.AsSpan().Trim();
        if (span.Contains(':'))
        {
            return TimeSpan.TryParse(span, CultureInfo.InvariantCulture, out duration);
        }
        long ticks = 0;
        int next = 0; // the first unit still allowed
        while (!span.IsEmpty)
        {
            int digits = 0;
            while (digits < span.Length && char.IsAsciiDigit(span[digits]))
            {
                digits++;
            }
            if (digits == 0 || digits > 12 || !long.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out long number))
            {
                return false;
            }
            span = span[digits..];
            int unit = -1;
            for (int u = next; u < Units.Length; u++)
            {
                // "ms" before "m": the longer unit wins where both fit.
                string name = Units[u].Unit;
                if (span.StartsWith(name, StringComparison.Ordinal) && (name != "m" || !span.StartsWith("ms", StringComparison.Ordinal)))
                {
                    unit = u;
                    break;
                }
            }
            if (unit < 0)
            {
                return false;
            }
            try
            {
                ticks = checked(ticks + (number * Units[unit].Ticks));
            }
            catch (OverflowException)
            {
                return false;
            }
            span = span[Units[unit].Unit.Length..];
            next = unit + 1;
        }
        duration = TimeSpan.FromTicks(ticks);
        return true;
    }
}
