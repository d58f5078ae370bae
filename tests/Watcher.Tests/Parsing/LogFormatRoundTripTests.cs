using System.Globalization;
using System.Text;
using CsCheck;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Tests.Watcher.Parsing;

/// <summary>
/// Property tests: random field values (quotes, backslashes, spaces, control bytes, multibyte and invalid UTF-8,
/// empty and "-") escaped the way nginx escapes them, written with the format, parse back to the same fields.
/// </summary>
public sealed class LogFormatRoundTripTests
{
    private const long Iterations = 400;

    public const string TimingFormat =
        "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" rt=$request_time uct=\"$upstream_connect_time\" uht=\"$upstream_header_time\" urt=\"$upstream_response_time\"";

    public const string JsonFormat =
        "escape=json '{\"time\":\"$time_iso8601\",\"remote_addr\":\"$remote_addr\",\"request\":\"$request\",' " +
        "'\"method\":\"$request_method\",\"status\":$status,\"bytes\":$body_bytes_sent,\"rt\":$request_time,' " +
        "'\"urt\":\"$upstream_response_time\",\"host\":\"$host\",\"ua\":\"$http_user_agent\"}'";

    [Fact]
    public void Main_lines_with_arbitrary_values_parse_back_to_their_fields() => RoundTrip(LogFormat.Main);

    [Fact]
    public void Combined_lines_with_arbitrary_values_parse_back_to_their_fields() => RoundTrip(LogFormat.Combined);

    [Fact]
    public void Timing_lines_with_multi_valued_upstream_times_parse_back_to_their_fields() => RoundTrip(LogFormat.Compile(TimingFormat));

    [Fact]
    public void Json_escaped_lines_parse_back_to_their_fields_even_with_escaped_quotes_and_backslashes()
    {
        LogFormat format = LogFormat.Compile(JsonFormat);
        Assert.Equal(LogEscape.Json, format.Escape);
        RoundTrip(format);
    }

    [Fact]
    public void Json_fields_between_short_quoted_literals_split_only_at_unescaped_quotes() =>
        RoundTrip(LogFormat.Compile("escape=json '\"$request\" $status $body_bytes_sent \"$http_user_agent\" \"$host\" $request_time'"));

    private static void RoundTrip(LogFormat format) =>
        Samples.Sample(sample =>
        {
            byte[] line = NginxLogWriter.Render(format, sample.ValueOf);
            var record = new AccessLogRecord();
            bool parsed = format.TryParse(line, ref record, out ParseError error);
            Assert.True(parsed, $"{error.Describe(line)}");

            Assert.Equal(sample.Status, record.Status);
            Assert.Equal(sample.Body, record.BodyBytesSent);
            sample.AssertRequest(format, record);
            if (format.HasVariable("request_time"))
            {
                Assert.Equal(sample.RequestTimeMs / 1000.0, record.RequestTime, 9);
            }

            if (format.HasVariable("upstream_response_time"))
            {
                AssertSeconds(sample.Upstream.Response.Sum, record.UpstreamResponseTime);
            }

            if (format.HasVariable("upstream_connect_time"))
            {
                AssertSeconds(sample.Upstream.Connect.Sum, record.UpstreamConnectTime);
                AssertSeconds(sample.Upstream.Header.Sum, record.UpstreamHeaderTime);
            }

            if (format.HasVariable("host"))
            {
                Assert.Equal(Expected(sample.Host, format.Escape), record.Host.ToArray());
            }
        }, iter: Iterations);

    private static void AssertSeconds(double expected, double actual)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(actual), $"expected NaN, got {actual}");
        }
        else
        {
            Assert.Equal(expected, actual, 9);
        }
    }

    /// <summary>What a span field holds: the value as logged, empty when nginx logged nothing or "-".</summary>
    private static byte[] Expected(byte[]? raw, LogEscape escape)
    {
        byte[] logged = NginxLogWriter.Escape(raw, escape);
        return logged is [] or [(byte)'-'] ? [] : logged;
    }

    private static bool IsToken(byte[] bytes) =>
        bytes.Length > 0 && bytes.All(b => char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~".Contains((char)b));

    /// <summary>Bytes that stress the escaping: quotes, backslashes, spaces, controls, NUL, multibyte and invalid UTF-8, "-".</summary>
    private static readonly Gen<byte[]> Chunk = Gen.Frequency(
        (6, Gen.Char['a', 'z'].Array[1, 6].Select(c => Encoding.ASCII.GetBytes(c))),
        (2, Gen.OneOf<byte[]>("\""u8.ToArray(), "\\"u8.ToArray(), " "u8.ToArray(), "\\\""u8.ToArray(), "-"u8.ToArray(), "/"u8.ToArray())),
        (2, Gen.Byte[0, 0x1F].Select(b => new[] { b })),
        (1, Gen.OneOf<byte[]>([0x7F], [0xFF], [0x00], [0xC3])),
        (2, Gen.OneOf("é", "日本", "🙂", "ü?q=1").Select(s => Encoding.UTF8.GetBytes(s))));

    private static readonly Gen<byte[]> AnyValue = Gen.Frequency(
        (8, Chunk.Array[0, 6].Select(chunks => chunks.SelectMany(c => c).ToArray())),
        (1, Gen.Const(Array.Empty<byte>())),
        (1, Gen.Const("-"u8.ToArray())));

    private static readonly Gen<byte[]?> MaybeValue = Gen.Frequency((5, AnyValue.Select(v => (byte[]?)v)), (1, Gen.Const((byte[]?)null)));

    private static readonly Gen<UpstreamTimes> UpstreamTime =
        Gen.Frequency((1, Gen.Const((int?)null)), (4, Gen.Int[0, 99_999].Select(v => (int?)v))).Array[1, 3].Array[1, 3]
            .Select(groups => new UpstreamTimes(groups));

    private static readonly Gen<RequestShape> Request = Gen.Frequency(
        (6, Gen.Select(
            Gen.OneOf("GET", "POST", "HEAD", "PURGE", "M-SEARCH", "get"),
            Gen.Frequency((3, Gen.Const("/")), (5, AnyValue.Select(v => "/" + Encoding.Latin1.GetString(v)))),
            Gen.OneOf("HTTP/1.1", "HTTP/1.0", "HTTP/2.0"),
            (method, target, protocol) => new RequestShape(method, Encoding.Latin1.GetBytes(target), protocol))),
        (1, Gen.Const(new RequestShape(null, [], null))),
        (2, AnyValue.Where(v => !v.Contains((byte)' ') && v is not [(byte)'-']).Select(v => new RequestShape(null, v, null))));

    private static readonly Gen<SampleLine> Samples = Gen.Select(
        Gen.Select(Gen.Byte, Gen.Byte, Gen.Byte, (a, b, c) => $"10.{a}.{b}.{c}"),
        Gen.Frequency((1, Gen.Const((byte[]?)null)), (1, Gen.Char['a', 'z'].Array[1, 8].Select(c => (byte[]?)Encoding.ASCII.GetBytes(c)))),
        Request,
        Gen.Int[100, 599],
        Gen.Long[0, 10_000_000_000],
        Gen.Int[0, 120_000],
        Gen.Select(MaybeValue, MaybeValue, MaybeValue, AnyValue, (r, a, f, h) => (Referer: r, Agent: a, Forwarded: f, Host: h)),
        Gen.Select(UpstreamTime, UpstreamTime, UpstreamTime, (r, c, h) => new UpstreamSet(r, c, h)),
        (ip, user, request, status, body, ms, texts, upstream) =>
            new SampleLine(ip, user, request, status, body, ms, texts.Referer, texts.Agent, texts.Forwarded, texts.Host, upstream));

    internal sealed record RequestShape(string? Method, byte[] TargetOrGarbage, string? Protocol)
    {
        public byte[] Raw => Method is null
            ? TargetOrGarbage
            : [.. Encoding.ASCII.GetBytes(Method + " "), .. TargetOrGarbage, .. Encoding.ASCII.GetBytes(" " + Protocol)];
    }

    internal sealed record UpstreamTimes(int?[][] Groups)
    {
        /// <summary>"0.001, - : 0.010": commas within a group, colons between groups.</summary>
        public byte[] Raw => Encoding.ASCII.GetBytes(string.Join(" : ", Groups.Select(g => string.Join(", ",
            g.Select(ms => ms is { } v ? (v / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) : "-")))));

        public double Sum => Groups.SelectMany(g => g).Any(v => v is not null)
            ? Groups.SelectMany(g => g).Sum(v => (v ?? 0) / 1000.0)
            : double.NaN;
    }

    internal sealed record UpstreamSet(UpstreamTimes Response, UpstreamTimes Connect, UpstreamTimes Header);

    internal sealed record SampleLine(
        string Ip, byte[]? User, RequestShape Request, int Status, long Body, int RequestTimeMs,
        byte[]? Referer, byte[]? Agent, byte[]? Forwarded, byte[] Host, UpstreamSet Upstream)
    {
        public byte[]? ValueOf(string variable) => variable switch
        {
            "remote_addr" => Encoding.ASCII.GetBytes(Ip),
            "remote_user" => User,
            "time_local" => "26/Nov/2026:19:24:09 +0000"u8.ToArray(),
            "time_iso8601" => "2026-11-26T19:24:09+00:00"u8.ToArray(),
            "request" => Request.Raw,
            "request_method" => Request.Method is null ? [] : Encoding.ASCII.GetBytes(Request.Method),
            "status" => Encoding.ASCII.GetBytes(Status.ToString(CultureInfo.InvariantCulture)),
            "body_bytes_sent" => Encoding.ASCII.GetBytes(Body.ToString(CultureInfo.InvariantCulture)),
            "request_time" => Encoding.ASCII.GetBytes((RequestTimeMs / 1000.0).ToString("0.000", CultureInfo.InvariantCulture)),
            "upstream_response_time" => Upstream.Response.Raw,
            "upstream_connect_time" => Upstream.Connect.Raw,
            "upstream_header_time" => Upstream.Header.Raw,
            "http_referer" => Referer,
            "http_user_agent" => Agent,
            "http_x_forwarded_for" => Forwarded,
            "host" => Host,
            _ => throw new ArgumentException("no sample value for $" + variable),
        };

        public void AssertRequest(LogFormat format, AccessLogRecord record)
        {
            if (Request.Method is { } method)
            {
                Assert.Equal(method, Encoding.ASCII.GetString(record.Method));
                Assert.Equal(NginxLogWriter.Escape(Request.TargetOrGarbage, format.Escape), record.Path.ToArray());
                Assert.Equal(Request.Protocol, Encoding.ASCII.GetString(record.Protocol));
                return;
            }

            byte[] logged = NginxLogWriter.Escape(Request.TargetOrGarbage, format.Escape);
            Assert.Equal(IsToken(logged) ? logged : [], record.Method.ToArray());
            Assert.True(record.Path.IsEmpty);
            Assert.True(record.Protocol.IsEmpty);
        }
    }
}
