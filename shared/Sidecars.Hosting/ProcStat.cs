using System.Globalization;

namespace Sidecars.Hosting;

/// <summary>
/// What the process metrics need from <c>/proc/self/stat</c>, <c>/proc/stat</c> and
/// <c>/proc/self/limits</c>. Pure parsing of the files' text (see proc(5)).
/// </summary>
internal readonly record struct ProcStat(long UserTicks, long SystemTicks, long StartTicks, long VirtualBytes, long ResidentPages)
{
    /// <summary>
    /// Parses <c>/proc/self/stat</c>. The command name (field 2) is in parentheses and may itself hold
    /// spaces and parentheses, so the fields are counted from the last <c>)</c>.
    /// </summary>
    public static ProcStat Parse(string stat)
    {
        int close = stat.LastIndexOf(')');
        if (close < 0)
        {
            throw new FormatException("no command name in /proc/self/stat");
        }
        // After ") ": field 3 (state) is index 0, so field N is index N - 3.
        string[] fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 22)
        {
            throw new FormatException($"/proc/self/stat has {fields.Length + 2} fields");
        }
        return new ProcStat(
            UserTicks: Field(fields, 14),
            SystemTicks: Field(fields, 15),
            StartTicks: Field(fields, 22),
            VirtualBytes: Field(fields, 23),
            ResidentPages: Field(fields, 24));
    }

    /// <summary>The <c>btime</c> line of <c>/proc/stat</c>: boot time in Unix seconds, or null.</summary>
    public static long? ParseBootTime(string procStat)
    {
        foreach (string line in procStat.Split('\n'))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    /// <summary>
    /// The soft limit of <c>Max open files</c> in <c>/proc/self/limits</c>; +Inf for <c>unlimited</c>,
    /// null when the line is missing.
    /// </summary>
    public static double? ParseMaxOpenFiles(string limits)
    {
        const string Name = "Max open files";
        foreach (string line in limits.Split('\n'))
        {
            if (line.StartsWith(Name, StringComparison.Ordinal))
            {
                string soft = line[Name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? double.PositiveInfinity : long.Parse(soft, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    private static long Field(string[] fieldsFromThird, int number) =>
        long.Parse(fieldsFromThird[number - 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
