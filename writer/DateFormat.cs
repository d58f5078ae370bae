namespace Sidecars.Writer;

/// <summary>
/// A <c>date</c>/strftime format compiled once into a list of parts, then formatted many times into a
/// caller's buffer without allocating. Output is the C locale (English names), like <c>LC_ALL=C date</c>.
/// </summary>
/// <remarks>
/// Supported: %a %A %b %B %h %d %e %H %I %k %l %m %M %S %p %y %Y %C %j %u %w %Z %z %:z %s %N %1N..%9N
/// %F %T %D %R %c %n %t %%. Shortcuts for the whole format: <c>iso8601</c>, <c>rfc3339</c>, <c>iso8601ns</c>
/// (see <see cref="WriterOptions.Format"/>). <c>%Z</c> prints <c>UTC</c> for UTC and otherwise the numeric
/// offset (<c>+01</c>, <c>+0530</c>), because the zone abbreviation is not reliably available without
/// ICU and tzdata; GNU <c>date</c> prints the same numeric form for zones whose tzdata has no abbreviation.
/// </remarks>
internal sealed class DateFormat
{
    /// <summary>What Debian's <c>date</c> prints by default (C locale): <c>Wed Jan  8 08:59:14 UTC 2020</c>.</summary>
    public const string DatePattern = "%a %b %e %H:%M:%S %Z %Y";

    /// <summary><c>date --iso-8601=seconds</c>: <c>2020-01-08T08:59:14+00:00</c>.</summary>
    public const string Iso8601Pattern = "%Y-%m-%dT%H:%M:%S%:z";

    /// <summary><c>date --rfc-3339=seconds</c>: <c>2020-01-08 08:59:14+00:00</c>.</summary>
    public const string Rfc3339Pattern = "%Y-%m-%d %H:%M:%S%:z";

    /// <summary><c>date --iso-8601=ns</c>: <c>2020-01-08T08:59:14,000000000+00:00</c>.</summary>
    public const string Iso8601NanosecondsPattern = "%Y-%m-%dT%H:%M:%S,%N%:z";

    private static readonly string[] ShortDays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] LongDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] ShortMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] LongMonths =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    private enum Field : byte
    {
        Literal,
        ShortDay, LongDay, ShortMonth, LongMonth,
        Day, DaySpace, Hour24, Hour12, Hour24Space, Hour12Space, Month, Minute, Second, AmPm,
        Year2, Year, Century, DayOfYear, WeekdayMonday1, WeekdaySunday0,
        ZoneName, Offset, OffsetColon, UnixSeconds, Fraction,
    }

    private readonly record struct Part(Field Field, string? Literal = null, int Digits = 0);

    private readonly Part[] _parts;

    private DateFormat(string pattern, Part[] parts, int maxLength)
    {
        Pattern = pattern;
        _parts = parts;
        MaxLength = maxLength;
    }

    /// <summary>The pattern after shortcuts were expanded.</summary>
    public string Pattern { get; }

    /// <summary>The longest text <see cref="Format(DateTimeOffset, bool, Span{char})"/> can produce.</summary>
    public int MaxLength { get; }

    /// <summary>Compiles a format or a shortcut; throws <see cref="FormatException"/> naming the bad token and its 0-based position.</summary>
    public static DateFormat Compile(string format) =>
        TryCompile(format, out var compiled, out string? error) ? compiled : throw new FormatException(error);

    /// <summary>
    /// Compiles a format; on failure <paramref name="error"/> is e.g. <c>unknown token %Q at position 3</c>
    /// (positions count characters from 0, at the <c>%</c>).
    /// </summary>
    public static bool TryCompile(string format, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DateFormat? compiled, out string? error)
    {
        string pattern = ExpandShortcut(format);
        var parts = new List<Part>();
        var literal = new System.Text.StringBuilder();
        compiled = null;
        error = null;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c != '%')
            {
                literal.Append(c);
                continue;
            }
            int start = i;
            if (i + 1 >= pattern.Length)
            {
                error = $"unknown token % at position {start}";
                return false;
            }
            char t = pattern[++i];
            switch (t)
            {
                case '%': literal.Append('%'); continue;
                case 'n': literal.Append('\n'); continue;
                case 't': literal.Append('\t'); continue;
            }
            Flush(parts, literal);
            if (t == ':')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == 'z')
                {
                    i++;
                    parts.Add(new Part(Field.OffsetColon));
                    continue;
                }
                error = $"unknown token {pattern[start..Math.Min(i + 2, pattern.Length)]} at position {start}";
                return false;
            }
            if (t is >= '1' and <= '9')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == 'N')
                {
                    i++;
                    parts.Add(new Part(Field.Fraction, Digits: t - '0'));
                    continue;
                }
                error = $"unknown token {pattern[start..Math.Min(i + 2, pattern.Length)]} at position {start}";
                return false;
            }
            if (!TryAddField(t, parts, literal))
            {
                error = $"unknown token %{t} at position {start}";
                return false;
            }
        }
        Flush(parts, literal);
        var array = parts.ToArray();
        compiled = new DateFormat(pattern, array, array.Sum(MaxLengthOf));
        return true;
    }

    private static string ExpandShortcut(string format) => format.ToLowerInvariant() switch
    {
        "iso8601" or "iso-8601" => Iso8601Pattern,
        "rfc3339" or "rfc-3339" => Rfc3339Pattern,
        "iso8601ns" => Iso8601NanosecondsPattern,
        _ => format,
    };

    private static bool TryAddField(char token, List<Part> parts, System.Text.StringBuilder literal)
    {
        switch (token)
        {
            // Composites expand into their parts, so formatting never re-parses anything.
            case 'F': AddAll(parts, literal, "%Y-%m-%d"); return true;
            case 'T': AddAll(parts, literal, "%H:%M:%S"); return true;
            case 'D': AddAll(parts, literal, "%m/%d/%y"); return true;
            case 'R': AddAll(parts, literal, "%H:%M"); return true;
            case 'c': AddAll(parts, literal, "%a %b %e %H:%M:%S %Y"); return true;
        }
        Field? field = token switch
        {
            'a' => Field.ShortDay,
            'A' => Field.LongDay,
            'b' or 'h' => Field.ShortMonth,
            'B' => Field.LongMonth,
            'd' => Field.Day,
            'e' => Field.DaySpace,
            'H' => Field.Hour24,
            'I' => Field.Hour12,
            'k' => Field.Hour24Space,
            'l' => Field.Hour12Space,
            'm' => Field.Month,
            'M' => Field.Minute,
            'S' => Field.Second,
            'p' => Field.AmPm,
            'y' => Field.Year2,
            'Y' => Field.Year,
            'C' => Field.Century,
            'j' => Field.DayOfYear,
            'u' => Field.WeekdayMonday1,
            'w' => Field.WeekdaySunday0,
            'Z' => Field.ZoneName,
            'z' => Field.Offset,
            's' => Field.UnixSeconds,
            'N' => Field.Fraction,
            _ => null,
        };
        if (field is null)
        {
            return false;
        }
        parts.Add(new Part(field.Value, Digits: field == Field.Fraction ? 9 : 0));
        return true;
    }

    private static void AddAll(List<Part> parts, System.Text.StringBuilder literal, string composite)
    {
        var inner = Compile(composite);
        foreach (var part in inner._parts)
        {
            if (part.Field == Field.Literal)
            {
                literal.Append(part.Literal);
            }
            else
            {
                Flush(parts, literal);
                parts.Add(part);
            }
        }
    }

    private static void Flush(List<Part> parts, System.Text.StringBuilder literal)
    {
        if (literal.Length > 0)
        {
            parts.Add(new Part(Field.Literal, literal.ToString()));
            literal.Clear();
        }
    }

    private static int MaxLengthOf(Part part) => part.Field switch
    {
        Field.Literal => part.Literal!.Length,
        Field.LongDay or Field.LongMonth => 9,
        Field.ShortDay or Field.ShortMonth or Field.DayOfYear => 3,
        Field.Year => 4,
        Field.ZoneName or Field.Offset => 5,
        Field.OffsetColon => 6,
        Field.UnixSeconds => 20,
        Field.Fraction => part.Digits,
        Field.WeekdayMonday1 or Field.WeekdaySunday0 => 1,
        _ => 2,
    };

    /// <summary>The text for <paramref name="local"/> (already in the wanted zone) as a new string.</summary>
    public string Format(DateTimeOffset local, bool zoneIsUtc)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        return new string(buffer[..Format(local, zoneIsUtc, buffer)]);
    }

    /// <summary>
    /// Writes the text for <paramref name="local"/> (already converted to the wanted zone; its offset is
    /// printed by %z) into <paramref name="destination"/>, at least <see cref="MaxLength"/> long; returns
    /// the number of characters written. <paramref name="zoneIsUtc"/> makes %Z print <c>UTC</c>.
    /// </summary>
    public int Format(DateTimeOffset local, bool zoneIsUtc, Span<char> destination)
    {
        var d = local.DateTime;
        int n = 0;
        foreach (var part in _parts)
        {
            switch (part.Field)
            {
                case Field.Literal: n += Copy(part.Literal!, destination[n..]); break;
                case Field.ShortDay: n += Copy(ShortDays[(int)d.DayOfWeek], destination[n..]); break;
                case Field.LongDay: n += Copy(LongDays[(int)d.DayOfWeek], destination[n..]); break;
                case Field.ShortMonth: n += Copy(ShortMonths[d.Month - 1], destination[n..]); break;
                case Field.LongMonth: n += Copy(LongMonths[d.Month - 1], destination[n..]); break;
                case Field.Day: n += Two(d.Day, '0', destination[n..]); break;
                case Field.DaySpace: n += Two(d.Day, ' ', destination[n..]); break;
                case Field.Hour24: n += Two(d.Hour, '0', destination[n..]); break;
                case Field.Hour12: n += Two(Hour12(d.Hour), '0', destination[n..]); break;
                case Field.Hour24Space: n += Two(d.Hour, ' ', destination[n..]); break;
                case Field.Hour12Space: n += Two(Hour12(d.Hour), ' ', destination[n..]); break;
                case Field.Month: n += Two(d.Month, '0', destination[n..]); break;
                case Field.Minute: n += Two(d.Minute, '0', destination[n..]); break;
                case Field.Second: n += Two(d.Second, '0', destination[n..]); break;
                case Field.AmPm: n += Copy(d.Hour < 12 ? "AM" : "PM", destination[n..]); break;
                case Field.Year2: n += Two(d.Year % 100, '0', destination[n..]); break;
                case Field.Year: n += Number(d.Year, destination[n..]); break;
                case Field.Century: n += Two(d.Year / 100, '0', destination[n..]); break;
                case Field.DayOfYear: n += Three(d.DayOfYear, destination[n..]); break;
                case Field.WeekdayMonday1: n += Number(d.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)d.DayOfWeek, destination[n..]); break;
                case Field.WeekdaySunday0: n += Number((int)d.DayOfWeek, destination[n..]); break;
                case Field.ZoneName: n += zoneIsUtc ? Copy("UTC", destination[n..]) : ZoneOffsetName(local.Offset, destination[n..]); break;
                case Field.Offset: n += Offset(local.Offset, colon: false, destination[n..]); break;
                case Field.OffsetColon: n += Offset(local.Offset, colon: true, destination[n..]); break;
                case Field.UnixSeconds: n += Number(local.ToUnixTimeSeconds(), destination[n..]); break;
                case Field.Fraction: n += Fraction(local.UtcTicks, part.Digits, destination[n..]); break;
            }
        }
        return n;
    }

    private static int Hour12(int hour) => hour % 12 == 0 ? 12 : hour % 12;

    private static int Copy(string text, Span<char> destination)
    {
        text.CopyTo(destination);
        return text.Length;
    }

    private static int Two(int value, char pad, Span<char> destination)
    {
        destination[0] = value < 10 ? pad : (char)('0' + value / 10);
        destination[1] = (char)('0' + value % 10);
        return 2;
    }

    private static int Three(int value, Span<char> destination)
    {
        destination[0] = (char)('0' + value / 100);
        destination[1] = (char)('0' + value / 10 % 10);
        destination[2] = (char)('0' + value % 10);
        return 3;
    }

    private static int Number(long value, Span<char> destination)
    {
        value.TryFormat(destination, out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        return written;
    }

    private static int Fraction(long ticks, int digits, Span<char> destination)
    {
        // 100 ns ticks: nine digits are the seven of the tick fraction followed by "00", then truncated like GNU date.
        long nanoseconds = ticks % TimeSpan.TicksPerSecond * 100;
        Span<char> nine = stackalloc char[9];
        for (int i = 8; i >= 0; i--)
        {
            nine[i] = (char)('0' + nanoseconds % 10);
            nanoseconds /= 10;
        }
        nine[..digits].CopyTo(destination);
        return digits;
    }

    private static int Offset(TimeSpan offset, bool colon, Span<char> destination)
    {
        int minutes = (int)Math.Round(offset.TotalMinutes);
        destination[0] = minutes < 0 ? '-' : '+';
        minutes = Math.Abs(minutes);
        Two(minutes / 60, '0', destination[1..]);
        int n = 3;
        if (colon)
        {
            destination[n++] = ':';
        }
        Two(minutes % 60, '0', destination[n..]);
        return n + 2;
    }

    // The numeric form tzdata uses for zones without an abbreviation: +01, -03, +0530.
    private static int ZoneOffsetName(TimeSpan offset, Span<char> destination)
    {
        int minutes = (int)Math.Round(offset.TotalMinutes);
        destination[0] = minutes < 0 ? '-' : '+';
        minutes = Math.Abs(minutes);
        Two(minutes / 60, '0', destination[1..]);
        if (minutes % 60 == 0)
        {
            return 3;
        }
        Two(minutes % 60, '0', destination[3..]);
        return 5;
    }
}
