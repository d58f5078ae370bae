using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Tests.Watcher.Parsing;

public sealed class LogFormatParseTests
{
    /// <summary>The escape=json format of TestData/make-nginx-lines.sh, as written in its nginx.conf.</summary>
    private const string RealJsonFormat =
        "escape=json '{\"time\":\"$time_iso8601\",\"remote_addr\":\"$remote_addr\",\"request\":\"$request\",'\n" +
        "  '\"method\":\"$request_method\",\"uri\":\"$request_uri\",\"status\":$status,'\n" +
        "  '\"body_bytes_sent\":$body_bytes_sent,\"bytes_sent\":$bytes_sent,\"request_length\":$request_length,'\n" +
        "  '\"request_time\":$request_time,\"urt\":\"$upstream_response_time\",\"host\":\"$host\",'\n" +
        "  '\"scheme\":\"$scheme\",\"ua\":\"$http_user_agent\"}'";

    private const string CombinedLine =
        "127.0.0.1 - - [26/Nov/2026:19:24:09 +0000] \"GET / HTTP/1.1\" 200 6 \"-\" \"curl/7.88.1\"";

    // ---- real nginx lines (TestData/make-nginx-lines.sh) ----

    [Theory]
    [InlineData("main", "nginx-main.log")]
    [InlineData("combined", "nginx-combined.log")]
    [InlineData(LogFormatRoundTripTests.TimingFormat, "nginx-timing.log")]
    [InlineData(RealJsonFormat, "nginx-json.log")]
    public void Every_line_real_nginx_wrote_in_the_format_parses(string format, string file)
    {
        LogFormat compiled = LogFormat.Resolve(format);
        byte[][] lines = RealLines(file);
        Assert.True(lines.Length >= 10);
        foreach (byte[] line in lines)
        {
            var record = new AccessLogRecord();
            Assert.True(compiled.TryParse(line, ref record, out ParseError error), error.Describe(line));
            Assert.InRange(record.Status, 200, 499);
        }
    }

    [Fact]
    public void Real_main_lines_give_method_path_protocol_status_and_size()
    {
        byte[][] lines = RealLines("nginx-main.log");
        var record = new AccessLogRecord();

        Assert.True(LogFormat.Main.TryParse(lines[0], ref record, out _));
        AssertFields(record, "GET", "/", "HTTP/1.1", 200, 6);

        Assert.True(LogFormat.Main.TryParse(lines[2], ref record, out _));
        AssertFields(record, "GET", "/missing?id=42&x=%22", "HTTP/1.1", 404, 153);

        Assert.True(LogFormat.Main.TryParse(lines[4], ref record, out _));
        AssertFields(record, "PURGE", "/cache/item", "HTTP/1.1", 405, 157);
    }

    [Fact]
    public void Real_malformed_request_lines_still_parse_with_what_can_be_known()
    {
        byte[][] lines = RealLines("nginx-main.log");
        var record = new AccessLogRecord();

        // "GARBAGE": one word that looks like a method.
        Assert.True(LogFormat.Main.TryParse(lines[7], ref record, out _));
        AssertFields(record, "GARBAGE", "", "", 400, 157);

        // A TLS handshake sent to the plain port: escaped bytes, no method.
        Assert.True(LogFormat.Main.TryParse(lines[8], ref record, out _));
        AssertFields(record, "", "", "", 400, 157);

        // Control and UTF-8 bytes in the target stay as nginx escaped them.
        Assert.True(LogFormat.Main.TryParse(lines[9], ref record, out _));
        AssertFields(record, "GET", "/tab\\x09here\\xC3\\xA9", "HTTP/1.1", 400, 157);

        // Connection closed without a request: empty $request, 408.
        Assert.True(LogFormat.Main.TryParse(lines[10], ref record, out _));
        AssertFields(record, "", "", "", 408, 0);
    }

    [Fact]
    public void Real_timing_lines_sum_upstream_times_and_skip_unreached_servers()
    {
        LogFormat format = LogFormat.Compile(LogFormatRoundTripTests.TimingFormat);
        byte[][] lines = RealLines("nginx-timing.log");
        var record = new AccessLogRecord();

        Assert.True(format.TryParse(lines[0], ref record, out _));
        Assert.True(double.IsNaN(record.UpstreamResponseTime));
        Assert.True(double.IsNaN(record.UpstreamConnectTime));
        Assert.True(record.RequestTime >= 0);

        // uct="-, 0.000": the first server was down (no connect time), the second answered.
        byte[] twoServers = lines.Single(l => Encoding.ASCII.GetString(l).Contains("uct=\"-, "));
        Assert.True(format.TryParse(twoServers, ref record, out _));
        Assert.False(double.IsNaN(record.UpstreamConnectTime));
        Assert.False(double.IsNaN(record.UpstreamResponseTime));

        Assert.True(format.TryParse(lines[^1], ref record, out _));
        Assert.Equal(2.002, record.RequestTime, 9);
    }

    [Fact]
    public void Real_json_lines_take_the_method_from_request_method_and_the_path_from_request()
    {
        LogFormat format = LogFormat.Compile(RealJsonFormat);
        byte[][] lines = RealLines("nginx-json.log");
        var record = new AccessLogRecord();

        Assert.True(format.TryParse(lines[2], ref record, out _));
        AssertFields(record, "GET", "/missing?id=42&x=%22", "HTTP/1.1", 404, 153);
        Assert.Equal("127.0.0.1", Encoding.ASCII.GetString(record.Host));
        Assert.Equal("http", Encoding.ASCII.GetString(record.Scheme));
        Assert.True(record.BytesSent > 0);
        Assert.True(record.RequestLength > 0);
        Assert.True(double.IsNaN(record.UpstreamResponseTime));
    }

    // ---- fields ----

    [Theory]
    [InlineData("0.001", 0.001)]
    [InlineData("0.001, 0.002", 0.003)]
    [InlineData("0.001, 0.002 : 0.003", 0.006)]
    [InlineData("-, 0.250", 0.25)]
    [InlineData("- : 1.5, -", 1.5)]
    [InlineData("12", 12)]
    [InlineData("-", double.NaN)]
    [InlineData("-, - : -", double.NaN)]
    public void Upstream_times_add_up_every_server_and_redirect_and_skip_dashes(string logged, double expected)
    {
        LogFormat format = LogFormat.Compile("$status urt=\"$upstream_response_time\"");
        byte[] line = Encoding.ASCII.GetBytes($"200 urt=\"{logged}\"");
        var record = new AccessLogRecord();

        Assert.True(format.TryParse(line, ref record, out ParseError error), error.Describe(line));

        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(record.UpstreamResponseTime));
        }
        else
        {
            Assert.Equal(expected, record.UpstreamResponseTime, 9);
        }
    }

    [Fact]
    public void Known_variables_fill_their_fields_and_dashes_mean_absent()
    {
        LogFormat format = LogFormat.Compile(
            "$scheme://$host ($server_name) $request_method $request_uri $server_protocol $status $bytes_sent $request_length $upstream_cache_status ct=$upstream_connect_time ht=$upstream_header_time");
        byte[] line = "https://example.com (_) POST /api?x=1 HTTP/2.0 201 512 77 HIT ct=0.002 ht=0.010"u8.ToArray();
        var record = new AccessLogRecord();

        Assert.True(format.TryParse(line, ref record, out ParseError error), error.Describe(line));

        Assert.Equal("https", Encoding.ASCII.GetString(record.Scheme));
        Assert.Equal("example.com", Encoding.ASCII.GetString(record.Host));
        Assert.Equal("_", Encoding.ASCII.GetString(record.ServerName));
        AssertFields(record, "POST", "/api?x=1", "HTTP/2.0", 201, -1);
        Assert.Equal(512, record.BytesSent);
        Assert.Equal(77, record.RequestLength);
        Assert.Equal("HIT", Encoding.ASCII.GetString(record.UpstreamCacheStatus));
        Assert.Equal(0.002, record.UpstreamConnectTime, 9);
        Assert.Equal(0.010, record.UpstreamHeaderTime, 9);
        Assert.True(double.IsNaN(record.RequestTime));

        Assert.True(format.TryParse("http://- (-) - - - 499 - - - ct=- ht=-"u8, ref record, out error), error.Element);
        Assert.True(record.Host.IsEmpty && record.Method.IsEmpty && record.Path.IsEmpty && record.UpstreamCacheStatus.IsEmpty);
        Assert.Equal(-1, record.BytesSent);
        Assert.True(double.IsNaN(record.UpstreamConnectTime));
    }

    [Fact]
    public void Uri_is_the_path_when_the_format_has_no_request()
    {
        LogFormat format = LogFormat.Compile("$uri $status");
        var record = new AccessLogRecord();

        Assert.True(format.TryParse("/index.html 200"u8, ref record, out _));

        Assert.Equal("/index.html", Encoding.ASCII.GetString(record.Path));
    }

    [Theory]
    [InlineData("-", "", "", "")]
    [InlineData("", "", "", "")]
    [InlineData("GET", "GET", "", "")]
    [InlineData("GET /", "GET", "", "")]
    [InlineData("\\x16\\x03\\x01", "", "", "")]
    [InlineData("hello world foo bar", "hello", "", "")]
    [InlineData("GET /a b HTTP/1.1", "GET", "/a b", "HTTP/1.1")]
    [InlineData("OPTIONS * HTTP/1.1", "OPTIONS", "*", "HTTP/1.1")]
    public void Request_is_split_into_method_path_and_protocol_when_it_has_that_shape(string request, string method, string path, string protocol)
    {
        var record = new AccessLogRecord();
        byte[] line = Encoding.Latin1.GetBytes($"127.0.0.1 - - [26/Nov/2026:19:24:09 +0000] \"{request}\" 400 0 \"-\" \"-\"");

        Assert.True(LogFormat.Combined.TryParse(line, ref record, out ParseError error), error.Describe(line));

        AssertFields(record, method, path, protocol, 400, 0);
    }

    [Fact]
    public void Json_quotes_after_an_odd_number_of_backslashes_belong_to_the_value()
    {
        LogFormat format = LogFormat.Compile("escape=json '\"$http_user_agent\" $status \"$host\"'");
        // user agent: a" 2\  -> a\" 2\\ ; host: "x" -> \"x\"
        byte[] line = "\"a\\\" 2\\\\\" 200 \"\\\"x\\\"\""u8.ToArray();
        var record = new AccessLogRecord();

        Assert.True(format.TryParse(line, ref record, out ParseError error), error.Describe(line));

        Assert.Equal(200, record.Status);
        Assert.Equal("\\\"x\\\"", Encoding.ASCII.GetString(record.Host));
    }

    [Fact]
    public void With_escape_none_a_quote_inside_the_last_quoted_value_belongs_to_the_value()
    {
        // nginx escapes nothing with escape=none, so the last value may hold the closing quote: only the
        // quote that ends the line closes it.
        LogFormat none = LogFormat.Compile("escape=none '$status \"$request\" \"$host\"'");
        byte[] line = "404 \"GET /a HTTP/1.1\" \"say \"hi\" there\""u8.ToArray();
        var record = new AccessLogRecord();

        Assert.True(none.TryParse(line, ref record, out ParseError error), error.Describe(line));
        Assert.Equal(404, record.Status);
        Assert.Equal("say \"hi\" there", Encoding.ASCII.GetString(record.Host));

        // With the default escaping nginx writes such a quote as \x22: a bare one there ends the value early.
        LogFormat escaped = LogFormat.Compile("'$status \"$request\" \"$host\"'");
        Assert.False(escaped.TryParse(line, ref record, out error));
        Assert.Equal(ParseFailure.TrailingData, error.Reason);
    }

    [Fact]
    public void With_escape_none_a_backslash_at_the_end_of_a_value_does_not_escape_the_closing_quote()
    {
        // Only escape=json writes \" for a quote in a value; elsewhere a backslash is just a byte.
        LogFormat none = LogFormat.Compile("escape=none '\"$http_referer\" $status'");
        byte[] line = "\"http://x/\\\" 204"u8.ToArray();
        var record = new AccessLogRecord();

        Assert.True(none.TryParse(line, ref record, out ParseError error), error.Describe(line));
        Assert.Equal(204, record.Status);
    }

    [Theory]
    [InlineData("999", true)]
    [InlineData("1000", false)]
    public void A_status_has_at_most_three_digits(string status, bool parses)
    {
        byte[] line = Encoding.ASCII.GetBytes(CombinedLine.Replace("\" 200 ", $"\" {status} ", StringComparison.Ordinal));
        var record = new AccessLogRecord();

        Assert.Equal(parses, LogFormat.Combined.TryParse(line, ref record, out ParseError error));
        Assert.Equal(parses ? 999 : -1, parses ? record.Status : -1);
        Assert.Equal(parses ? ParseFailure.None : ParseFailure.BadNumber, error.Reason);
    }

    [Theory]
    [InlineData("999999999999999999", true)]
    [InlineData("9999999999999999999", false)]
    public void Sizes_of_up_to_18_digits_parse_and_longer_ones_are_bad_numbers_not_overflows(string bytes, bool parses)
    {
        byte[] line = Encoding.ASCII.GetBytes(CombinedLine.Replace(" 200 6 ", $" 200 {bytes} ", StringComparison.Ordinal));
        var record = new AccessLogRecord();

        Assert.Equal(parses, LogFormat.Combined.TryParse(line, ref record, out ParseError error));
        if (parses)
        {
            Assert.Equal(999_999_999_999_999_999L, record.BodyBytesSent);
        }
        else
        {
            Assert.Equal((ParseFailure.BadNumber, "$body_bytes_sent"), (error.Reason, error.Element));
        }
    }

    [Fact]
    public void Nul_bytes_invalid_utf8_and_huge_lines_never_throw()
    {
        var record = new AccessLogRecord();
        byte[] nasty = [0, 0xFF, 0xC3, (byte)'"', (byte)' ', 0, (byte)'[', 0xFE];
        byte[] huge = new byte[1 << 20];
        Random.Shared.NextBytes(huge);

        Assert.False(LogFormat.Main.TryParse(nasty, ref record, out _));
        Assert.False(LogFormat.Main.TryParse(huge, ref record, out ParseError error));
        Assert.NotEmpty(error.Describe(huge));
        Assert.False(LogFormat.Main.TryParse([], ref record, out error));
        Assert.Equal(ParseFailure.Truncated, error.Reason);
    }

    // ---- failures: reason, element, byte position ----

    [Fact]
    public void A_non_number_in_status_is_bad_number_at_the_value()
    {
        byte[] line = Encoding.ASCII.GetBytes(CombinedLine.Replace("\" 200 ", "\" abc ", StringComparison.Ordinal));
        var record = new AccessLogRecord();

        Assert.False(LogFormat.Combined.TryParse(line, ref record, out ParseError error));

        Assert.Equal(new ParseError(ParseFailure.BadNumber, "$status", 60) { Length = 3 }, error);
        Assert.StartsWith("bad_number at byte 60 in $status: expected digits, found \"abc\"; line, >> marking byte 60: \"", error.Describe(line), StringComparison.Ordinal);
        Assert.Contains(">>abc 6", error.Describe(line), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_request_time_is_bad_number_naming_the_variable()
    {
        LogFormat format = LogFormat.Compile("$status rt=$request_time");
        var record = new AccessLogRecord();

        Assert.False(format.TryParse("200 rt=0.1x"u8, ref record, out ParseError error));

        Assert.Equal((ParseFailure.BadNumber, "$request_time", 7), (error.Reason, error.Element, error.BytePosition));
    }

    [Fact]
    public void A_line_that_starts_differently_is_a_literal_mismatch_where_it_differs()
    {
        LogFormat format = LogFormat.Compile("{\"status\":$status}");
        var record = new AccessLogRecord();

        Assert.False(format.TryParse("{\"stat\":200}"u8, ref record, out ParseError error));

        Assert.Equal((ParseFailure.LiteralMismatch, "\"{\\\"status\\\":\"", 6), (error.Reason, error.Element, error.BytePosition));
        Assert.StartsWith("literal_mismatch at byte 6 in \"{\\\"status\\\":\": expected", error.Describe("{\"stat\":200}"u8), StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_that_ends_inside_the_leading_literal_is_truncated_not_a_mismatch()
    {
        LogFormat format = LogFormat.Compile("{\"status\":$status}");
        var record = new AccessLogRecord();

        Assert.False(format.TryParse("{\"sta"u8, ref record, out ParseError error));

        Assert.Equal((ParseFailure.Truncated, 5), (error.Reason, error.BytePosition));
    }

    [Fact]
    public void A_literal_mismatch_shows_as_many_bytes_as_the_rest_of_the_literal()
    {
        // {"status": against {"stat":200}: the 4 bytes where "us": was expected are shown, then "..."
        LogFormat format = LogFormat.Compile("{\"status\":$status}");
        var record = new AccessLogRecord();

        Assert.False(format.TryParse("{\"stat\":200}"u8, ref record, out ParseError error));

        Assert.Contains("expected \"{\\\"status\\\":\", found \"\\\":20...\";", error.Describe("{\"stat\":200}"u8), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$request_time", "seconds like 0.123")]
    [InlineData("$upstream_response_time", "seconds like 0.012 or 0.010, 0.002 : 0.001")]
    [InlineData("$upstream_connect_time", "seconds like 0.012 or 0.010, 0.002 : 0.001")]
    [InlineData("$upstream_header_time", "seconds like 0.012 or 0.010, 0.002 : 0.001")]
    [InlineData("$bytes_sent", "digits")]
    public void A_bad_number_says_what_the_variable_should_hold(string variable, string expected)
    {
        LogFormat format = LogFormat.Compile($"$status {variable}");
        var record = new AccessLogRecord();

        Assert.False(format.TryParse("200 abc"u8, ref record, out ParseError error));

        Assert.Equal($"bad_number at byte 4 in {variable}: expected {expected}, found \"abc\"; line, >> marking byte 4: \"200 >>abc\"", error.Describe("200 abc"u8));
    }

    [Fact]
    public void Describe_shows_32_bytes_either_side_of_the_failure_and_marks_what_it_cut()
    {
        byte[] line = Encoding.ASCII.GetBytes(new string('a', 40) + " abc" + new string('b', 40));
        var record = new AccessLogRecord();

        Assert.False(LogFormat.Compile("$remote_addr $status").TryParse(line, ref record, out ParseError error));

        Assert.Equal(
            $"bad_number at byte 41 in $status: expected digits, found \"abc{new string('b', 37)}...\"; " +
            $"line, >> marking byte 41: \"...{new string('a', 31)} >>abc{new string('b', 29)}...\"",
            error.Describe(line));
    }

    [Fact]
    public void Describe_escapes_every_byte_that_is_not_printable_ascii()
    {
        var record = new AccessLogRecord();
        byte[] line = [(byte)'2', (byte)'~', 0x7F, 0xC3, 0xA9, (byte)'"'];

        Assert.False(LogFormat.Compile("$status").TryParse(line, ref record, out ParseError error));

        Assert.StartsWith("bad_number at byte 0 in $status: expected digits, found \"2~\\x7F\\xC3\\xA9\\\"\"", error.Describe(line), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("None", "none")]
    [InlineData("LiteralMismatch", "literal_mismatch")]
    [InlineData("BadNumber", "bad_number")]
    [InlineData("Truncated", "truncated")]
    [InlineData("TrailingData", "trailing_data")]
    [InlineData("BadRequest", "bad_request")]
    public void Each_reason_has_the_reason_label_watcher_parse_errors_total_documents(string reason, string label)
    {
        Assert.Equal(label, Enum.Parse<ParseFailure>(reason).Label());
    }

    [Fact]
    public void A_line_cut_short_is_truncated_at_its_end_naming_the_missing_literal()
    {
        byte[] line = Encoding.ASCII.GetBytes(CombinedLine[..63]); // ends after the status "200"
        var record = new AccessLogRecord();

        Assert.False(LogFormat.Combined.TryParse(line, ref record, out ParseError error));

        Assert.Equal((ParseFailure.Truncated, "\" \"", 63), (error.Reason, error.Element, error.BytePosition));
        Assert.StartsWith("truncated at byte 63 in \" \": the line ended", error.Describe(line), StringComparison.Ordinal);
    }

    [Fact]
    public void A_main_line_read_with_combined_is_trailing_data_after_the_last_quote()
    {
        byte[] line = RealLines("nginx-main.log")[0];
        var record = new AccessLogRecord();

        Assert.False(LogFormat.Combined.TryParse(line, ref record, out ParseError error));

        Assert.Equal((ParseFailure.TrailingData, "\"\\\"\"", line.Length - 4), (error.Reason, error.Element, error.BytePosition));
        Assert.Contains("4 more bytes: \" \\\"-\\\"\"", error.Describe(line), StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_line_whose_method_is_not_a_token_is_bad_request_at_the_request()
    {
        byte[] line = Encoding.ASCII.GetBytes(CombinedLine.Replace("GET / HTTP/1.1", "\\x16\\x03 / HTTP/1.1", StringComparison.Ordinal));
        var record = new AccessLogRecord();

        Assert.False(LogFormat.Combined.TryParse(line, ref record, out ParseError error));

        Assert.Equal((ParseFailure.BadRequest, "$request", 44), (error.Reason, error.Element, error.BytePosition));
        Assert.StartsWith("bad_request at byte 44 in $request: expected \"METHOD TARGET PROTOCOL\", found \"\\x16\\x03 / HTTP/1.1\"", error.Describe(line), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_keeps_a_long_line_excerpt_short_and_escaped()
    {
        string agent = new('a', 5000);
        byte[] line = Encoding.ASCII.GetBytes(CombinedLine.Replace("curl/7.88.1", agent, StringComparison.Ordinal) + " \u0001tail");
        var record = new AccessLogRecord();

        Assert.False(LogFormat.Combined.TryParse(line, ref record, out ParseError error));
        string text = error.Describe(line);

        Assert.Equal(ParseFailure.TrailingData, error.Reason);
        Assert.True(text.Length < 250, text);
        Assert.Contains("\\x01tail", text, StringComparison.Ordinal);
    }

    // ---- allocation ----

    [Fact]
    public void Parsing_allocates_nothing_per_line()
    {
        LogFormat timing = LogFormat.Compile(LogFormatRoundTripTests.TimingFormat);
        LogFormat json = LogFormat.Compile(RealJsonFormat);
        byte[] mainLine = RealLines("nginx-main.log")[2];
        byte[] timingLine = RealLines("nginx-timing.log")[6];
        byte[] jsonLine = RealLines("nginx-json.log")[2];
        byte[] badLine = Encoding.ASCII.GetBytes(CombinedLine.Replace("\" 200 ", "\" abc ", StringComparison.Ordinal));
        var record = new AccessLogRecord();
        int parsed = 0;
        void ParseAll(ref AccessLogRecord record)
        {
            parsed += LogFormat.Main.TryParse(mainLine, ref record, out _) ? 1 : 0;
            parsed += timing.TryParse(timingLine, ref record, out _) ? 1 : 0;
            parsed += json.TryParse(jsonLine, ref record, out _) ? 1 : 0;
            parsed += LogFormat.Combined.TryParse(badLine, ref record, out _) ? 1 : 0;
        }

        // Warm up past tiered compilation: the runtime's one-off work on this thread (a tier-up, a type
        // loaded) is no allocation per line.
        for (int i = 0; i < 1_000; i++)
        {
            ParseAll(ref record);
        }

        // The least of several rounds, counted on this thread only: a one-off allocation shows in one round,
        // an allocation per line in every round (2,000 lines, at least 24 bytes each).
        long least = long.MaxValue;
        var rounds = new List<long>();
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2_000; i++)
            {
                ParseAll(ref record);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            rounds.Add(allocated);
            least = Math.Min(least, allocated);
        }

        Assert.True(least == 0, $"bytes allocated per round of 2,000 x 4 lines: {string.Join(", ", rounds)}");
        Assert.Equal(3 * (1_000 + 5 * 2_000), parsed);
    }

    internal static byte[][] RealLines(string file)
    {
        byte[] bytes = File.ReadAllBytes(RepositoryLayout.PathOf("tests", "Watcher.Tests", "Parsing", "TestData", file));
        return [.. Split(bytes).Where(l => l.Length > 0 && l[0] != (byte)'#')];

        static IEnumerable<byte[]> Split(byte[] bytes)
        {
            int start = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    yield return bytes[start..i];
                    start = i + 1;
                }
            }

            yield return bytes[start..];
        }
    }

    private static void AssertFields(AccessLogRecord record, string method, string path, string protocol, int status, long body)
    {
        Assert.Equal(method, Encoding.Latin1.GetString(record.Method));
        Assert.Equal(path, Encoding.Latin1.GetString(record.Path));
        Assert.Equal(protocol, Encoding.Latin1.GetString(record.Protocol));
        Assert.Equal(status, record.Status);
        Assert.Equal(body, record.BodyBytesSent);
    }
}
