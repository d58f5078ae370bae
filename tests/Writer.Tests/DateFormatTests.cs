using System.Diagnostics;
using Sidecars.Testing;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

public sealed class DateFormatTests
{
    [Theory]
    [InlineData(1578473954L, "Wed Jan  8 08:59:14 UTC 2020")]
    [InlineData(0L, "Thu Jan  1 00:00:00 UTC 1970")]
    [InlineData(951782400L, "Tue Feb 29 00:00:00 UTC 2000")]
    [InlineData(1609459199L, "Thu Dec 31 23:59:59 UTC 2020")]
    [InlineData(1593518400L, "Tue Jun 30 12:00:00 UTC 2020")]
    public void Default_format_prints_what_date_prints(long epoch, string expected)
    {
        var format = DateFormat.Compile(DateFormat.DatePattern);

        Assert.Equal(expected, format.Format(DateTimeOffset.FromUnixTimeSeconds(epoch), zoneIsUtc: true));
    }

    [Fact]
    public void Default_format_matches_gnu_date_for_hundreds_of_dates()
    {
        var random = new Random(2020);
        var epochs = new List<long>
        {
            0, 951782400, 951868799, 1078012800, 1582934400, 1609459199, 1609459200, 4102444799, 1593475200, 1593518400,
        };
        // Every weekday and month, single-digit days, midnight and noon come up in a few hundred random dates.
        epochs.AddRange(Enumerable.Range(0, 400).Select(_ => random.NextInt64(0, 4102444800)));
        epochs.AddRange(Enumerable.Range(0, 40).Select(i => 1577836800L + i * 86400L * 9 + (i % 2) * 43200));
        var format = DateFormat.Compile(DateFormat.DatePattern);

        var expected = GnuDate("UTC", DateFormat.DatePattern, epochs.Select(e => $"@{e}"));

        for (int i = 0; i < epochs.Count; i++)
        {
            Assert.Equal(expected[i], format.Format(DateTimeOffset.FromUnixTimeSeconds(epochs[i]), zoneIsUtc: true));
        }
        Assert.Contains(expected, l => l.Contains("  1 ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("%a %A %b %B %h")]
    [InlineData("%d|%e|%H|%I|%k|%l|%m|%M|%S|%p")]
    [InlineData("%y %Y %C %j %u %w")]
    [InlineData("%s %N %3N %6N")]
    [InlineData("%F %T|%D|%R")]
    [InlineData("%c")]
    [InlineData("%z %:z %Z")]
    [InlineData("100%% [%n%t]")]
    [InlineData("%Y-%m-%dT%H:%M:%S%:z")]
    public void Custom_formats_match_gnu_date(string pattern)
    {
        var random = new Random(pattern.Length);
        // 100 ns resolution, as DateTimeOffset has: seven fraction digits.
        var instants = Enumerable.Range(0, 60)
            .Select(_ => DateTimeOffset.FromUnixTimeSeconds(random.NextInt64(0, 4102444800)).AddTicks(random.Next(0, 10_000_000)))
            .Append(new DateTimeOffset(2020, 1, 8, 0, 5, 9, TimeSpan.Zero))
            .Append(new DateTimeOffset(2020, 1, 8, 12, 5, 9, TimeSpan.Zero))
            .ToList();
        var format = DateFormat.Compile(pattern);

        var expected = GnuDate("UTC", pattern, instants.Select(Epoch)).ToList();

        var actual = instants.Select(t => format.Format(t, zoneIsUtc: true)).ToList();
        Assert.Equal(string.Join("\n", expected), string.Join("\n", actual));
    }

    [Theory]
    [InlineData("Europe/Paris")]
    [InlineData("Asia/Kolkata")]
    [InlineData("America/Sao_Paulo")]
    public void Other_zones_match_gnu_date_and_name_the_zone_by_its_offset(string zoneId)
    {
        Assert.True(WriterTimeZone.TryResolve(zoneId, out var zone), "this test needs tzdata on the machine");
        var random = new Random(7);
        var instants = Enumerable.Range(0, 50)
            .Select(_ => DateTimeOffset.FromUnixTimeSeconds(random.NextInt64(946684800, 1893456000)))
            .ToList();
        const string pattern = "%a %b %e %H:%M:%S %z %:z %Y %j";
        var format = DateFormat.Compile(pattern);
        var zoneName = DateFormat.Compile("%Z");

        var expected = GnuDate(zoneId, pattern, instants.Select(Epoch));

        for (int i = 0; i < instants.Count; i++)
        {
            var local = TimeZoneInfo.ConvertTime(instants[i], zone);
            Assert.Equal(expected[i], format.Format(local, zoneIsUtc: false));
            string offset = local.Offset.Minutes == 0
                ? $"{(local.Offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(local.Offset.Hours):00}"
                : $"{(local.Offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(local.Offset.Hours):00}{Math.Abs(local.Offset.Minutes):00}";
            Assert.Equal(offset, zoneName.Format(local, zoneIsUtc: false));
        }
    }

    [Theory]
    [InlineData("iso8601", "2020-01-08T08:59:14+00:00")]
    [InlineData("ISO8601", "2020-01-08T08:59:14+00:00")]
    [InlineData("rfc3339", "2020-01-08 08:59:14+00:00")]
    [InlineData("iso8601ns", "2020-01-08T08:59:14,123456700+00:00")]
    [InlineData("%3N|%6N|%1N|%9N", "123|123456|1|123456700")]
    [InlineData("[%e] [%k] [%l] %p", "[ 8] [ 8] [ 8] AM")]
    [InlineData("%I %l %p at 00:xx", "08  8 AM at 00:xx")]
    [InlineData("%u %w %A", "3 3 Wednesday")]
    [InlineData("writer: %F", "writer: 2020-01-08")]
    public void Shortcuts_and_custom_formats_print_as_documented(string pattern, string expected)
    {
        var instant = new DateTimeOffset(2020, 1, 8, 8, 59, 14, TimeSpan.Zero).AddTicks(1_234_567);

        Assert.Equal(expected, DateFormat.Compile(pattern).Format(instant, zoneIsUtc: true));
    }

    [Fact]
    public void Midnight_and_noon_in_twelve_hour_form_are_twelve()
    {
        var format = DateFormat.Compile("%I %l %p");

        Assert.Equal("12 12 AM", format.Format(new DateTimeOffset(2020, 1, 8, 0, 0, 0, TimeSpan.Zero), true));
        Assert.Equal("12 12 PM", format.Format(new DateTimeOffset(2020, 1, 8, 12, 0, 0, TimeSpan.Zero), true));
    }

    [Theory]
    [InlineData("%a %Q", "unknown token %Q at position 3")]
    [InlineData("%Y %", "unknown token % at position 3")]
    [InlineData("%", "unknown token % at position 0")]
    [InlineData("ab %:x", "unknown token %:x at position 3")]
    [InlineData("%3Q", "unknown token %3Q at position 0")]
    [InlineData("%E", "unknown token %E at position 0")]
    public void Unknown_tokens_are_named_with_their_position(string pattern, string error)
    {
        Assert.False(DateFormat.TryCompile(pattern, out _, out string? message));
        Assert.Equal(error, message);
    }

    [Fact]
    public void Longest_output_fits_in_max_length()
    {
        var format = DateFormat.Compile("%A %B %s %N %Z %:z %Y %j");
        var instant = new DateTimeOffset(9999, 9, 29, 23, 59, 59, TimeSpan.FromHours(-9.5)); // a Wednesday in September

        string text = format.Format(instant, zoneIsUtc: false);

        Assert.Equal("Wednesday September 253394299799 000000000 -0930 -09:30 9999 272", text);
        Assert.True(text.Length <= format.MaxLength);
    }

    private static string Epoch(DateTimeOffset t) =>
        $"@{t.ToUnixTimeSeconds()}.{t.UtcTicks % TimeSpan.TicksPerSecond:0000000}";

    /// <summary>What GNU date prints for each date (one process for all of them, <c>date -f</c>).</summary>
    private static string[] GnuDate(string zone, string pattern, IEnumerable<string> dates)
    {
        using var folder = new TempFolder("writer-date");
        string input = folder.File("dates.txt");
        File.WriteAllLines(input, dates);
        var start = new ProcessStartInfo("date") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(input);
        start.ArgumentList.Add("+" + pattern + "\x1e");
        start.Environment["LC_ALL"] = "C";
        start.Environment["TZ"] = zone;
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        // Each date ends with a record separator then date's own newline; the pattern itself may hold newlines.
        return output.Split("\x1e\n")[..^1];
    }
}
