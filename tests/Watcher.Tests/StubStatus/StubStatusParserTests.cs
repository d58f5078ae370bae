using System.Text;
using CsCheck;
using Sidecars.Watcher.StubStatus;

namespace Sidecars.Tests.Watcher.StubStatus;

/// <summary>The stub_status page parser: real pages read exactly, hostile ones refused with a reason, never a throw.</summary>
public sealed class StubStatusParserTests
{
    private static (StubStatusValues? Values, string? Problem) Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    private static (StubStatusValues? Values, string? Problem) Parse(byte[] bytes) =>
        StubStatusParser.TryParse(bytes, out var values, out string? problem) ? (values, null) : (null, problem);

    [Fact]
    public void Page_of_an_idle_nginx_is_read()
    {
        var (values, problem) = Parse(StubStatusPages.Idle);
        Assert.Null(problem);
        Assert.Equal(new StubStatusValues(Active: 1, Accepted: 2, Handled: 2, Requests: 2, Reading: 0, Writing: 1, Waiting: 0), values);
    }

    [Fact]
    public void Page_of_a_busy_nginx_is_read()
    {
        var (values, _) = Parse(StubStatusPages.Busy);
        Assert.Equal(new StubStatusValues(Active: 21, Accepted: 92, Handled: 92, Requests: 81198, Reading: 0, Writing: 1, Waiting: 20), values);
    }

    [Fact]
    public void Carriage_returns_and_other_spacing_are_read()
    {
        string text = StubStatusPages.Busy.Replace("\n", "\r\n", StringComparison.Ordinal).Replace(" 92 92", "\t92  92", StringComparison.Ordinal);
        Assert.Equal(81198, Parse(text).Values?.Requests);
    }

    [Fact]
    public void Lines_after_the_waiting_line_are_ignored()
    {
        var (values, problem) = Parse(StubStatusPages.Busy + "Some later nginx: 7\n\n<!-- -->\n");
        Assert.Null(problem);
        Assert.Equal(20, values!.Waiting);
    }

    [Fact]
    public void Largest_64_bit_count_is_read_and_one_more_is_refused()
    {
        Assert.Equal(long.MaxValue, Parse(StubStatusPages.Busy.Replace("81198", "9223372036854775807", StringComparison.Ordinal)).Values?.Requests);
        Assert.Equal(
            "the number at byte 63 does not fit 64 bits",
            Parse(StubStatusPages.Busy.Replace("81198", "9223372036854775808", StringComparison.Ordinal)).Problem);
    }

    public static TheoryData<string, string> HostilePages => new()
    {
        { "", "it ends at byte 0, before \"Active\"" },
        { "\n\n  \n", "it ends at byte 5, before \"Active\"" },
        { "<html><body>Welcome to nginx!</body></html>\n", "expected \"Active\" at byte 0, found \"<html><body>Welcome\"" },
        { StubStatusPages.Busy.Replace("21", "x1", StringComparison.Ordinal), "expected a number at byte 20, found \"x1\"" },
        { StubStatusPages.Busy.Replace("21", "-1", StringComparison.Ordinal), "expected a number at byte 20, found \"-1\"" },
        { StubStatusPages.Busy.Replace("21", "+21", StringComparison.Ordinal), "expected a number at byte 20, found \"+21\"" },
        { StubStatusPages.Busy.Replace("21", "2.5", StringComparison.Ordinal), "expected a number at byte 20, found \"2.5\"" },
        { StubStatusPages.Busy.Replace("81198", "123456789012345678901", StringComparison.Ordinal), "the number at byte 63 has more than 19 digits" },
        { StubStatusPages.Busy.Replace("Writing", "Writin", StringComparison.Ordinal), "expected \"Writing:\" at byte 81, found \"Writin:\"" },
        // A line in between, and the Tengine fork's extra request_time column.
        { StubStatusPages.Busy.Replace("server", "Hello: 1\nserver", StringComparison.Ordinal), "expected \"server\" at byte 24, found \"Hello:\"" },
        { StubStatusPages.Busy.Replace("requests\n 92 92 81198", "requests request_time\n 92 92 81198 1500", StringComparison.Ordinal), "expected a number at byte 56, found \"request_time\"" },
        { StubStatusPages.Busy.Replace("Waiting: 20 \n", "Waiting: 20 extra\n", StringComparison.Ordinal), "unexpected \"extra\\x0a\" at byte 104, after the Waiting count" },
        { StubStatusPages.Busy.Replace("Waiting: 20 \n", "Waiting: 20", StringComparison.Ordinal), "it ends at byte 103 without the newline of its last line (cut short?)" },
        { StubStatusPages.Busy.Replace("Active", "Act\0ive", StringComparison.Ordinal), "expected \"Active\" at byte 0, found \"Act\\x00ive\"" },
    };

    [Theory]
    [MemberData(nameof(HostilePages))]
    public void Hostile_page_is_refused_with_the_byte_where_it_goes_wrong(string page, string expected)
    {
        var (values, problem) = Parse(page);
        Assert.Null(values);
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void Page_cut_short_anywhere_is_refused()
    {
        // Even where the cut leaves a shorter number ("Waiting: 2"): the last line must end.
        byte[] page = Encoding.ASCII.GetBytes(StubStatusPages.Busy);
        for (int length = 0; length < page.Length; length++)
        {
            var (values, problem) = Parse(page[..length]);
            Assert.True(values is null, $"a page cut to {length} bytes was read: {values}");
            Assert.NotNull(problem);
        }
    }

    [Fact]
    public void Huge_inputs_are_refused_at_once_with_a_short_reason()
    {
        byte[] digits = Encoding.ASCII.GetBytes("Active connections: " + new string('9', 1 << 20));
        byte[] spaces = Encoding.ASCII.GetBytes(new string(' ', 1 << 20) + "x");
        byte[] word = Encoding.ASCII.GetBytes(new string('A', 1 << 20));

        Assert.Equal("the number at byte 20 has more than 19 digits", Parse(digits).Problem);
        Assert.Equal($"expected \"Active\" at byte {1 << 20}, found \"x\"", Parse(spaces).Problem);
        Assert.True(Parse(word).Problem!.Length < 100);
    }

    [Fact]
    public void Any_bytes_give_values_or_a_short_reason_and_never_throw()
    {
        Gen<byte> bytes = Gen.OneOf(Gen.Byte, Gen.OneOf((byte)' ', (byte)'\n', (byte)'1', (byte)':'));
        Gen.OneOf(bytes.Array[0, 300], Gen.Int[0, 120].Select(n => Encoding.ASCII.GetBytes(StubStatusPages.Busy)[..Math.Min(n, 105)]))
            .Sample(input =>
            {
                var (values, problem) = Parse(input);
                return (values is null) != (problem is null) && (problem?.Length ?? 0) < 120;
            });
    }

    [Fact]
    public void Any_counts_in_nginxs_layout_are_read_back()
    {
        Gen.Long[0, long.MaxValue].Array[7].Sample(v =>
        {
            var (values, _) = Parse(StubStatusPages.Format(v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
            return values == new StubStatusValues(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        });
    }
}
