using System.Globalization;
using System.Text;

namespace Sidecars.Watcher.Benchmarks;

/// <summary>
/// Realistic access-log lines in the official image's <c>main</c> format: varied client IPs, mostly GET, a few
/// routes with ids and query strings, mostly 200 with some 3xx/4xx/5xx, sizes, real user agents, timestamps that
/// only go forward. Deterministic for a seed, so runs compare.
/// </summary>
public sealed class LogLines(int seed = 42)
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly (int Weight, string Method)[] Methods =
        [(85, "GET"), (8, "POST"), (3, "HEAD"), (2, "PUT"), (1, "DELETE"), (1, "OPTIONS")];

    private static readonly (int Weight, int Status)[] Statuses =
        [(78, 200), (2, 201), (2, 204), (5, 304), (2, 301), (1, 302), (5, 404), (1, 400), (1, 401), (1, 403), (1, 500), (1, 502)];

    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
        "kube-probe/1.31",
        "Prometheus/2.53.0",
    ];

    private static readonly string[] Words = ["nginx", "sidecar", "kubernetes", "metrics", "logs", "pod", "volume", "caf%C3%A9"];

    private readonly Random _random = new(seed);
    private DateTimeOffset _time = Start;

    /// <summary>Writes <paramref name="count"/> lines (each ending in <c>\n</c>) to a file.</summary>
    public static void WriteFile(string path, long count, int seed = 42)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
        var lines = new LogLines(seed);
        var builder = new StringBuilder(512);
        for (long i = 0; i < count; i++)
        {
            builder.Clear();
            lines.Append(builder);
            builder.Append('\n');
            writer.Write(builder);
        }
    }

    /// <summary>The next <paramref name="count"/> lines as UTF-8 bytes, without newlines.</summary>
    public byte[][] NextLines(int count)
    {
        var result = new byte[count][];
        var builder = new StringBuilder(512);
        for (int i = 0; i < count; i++)
        {
            builder.Clear();
            Append(builder);
            result[i] = Encoding.UTF8.GetBytes(builder.ToString());
        }

        return result;
    }

    /// <summary>Appends the next line (no newline).</summary>
    public void Append(StringBuilder line)
    {
        _time = _time.AddMilliseconds(_random.Next(0, 4));
        string method = Pick(Methods);
        int status = method == "POST" && _random.Next(3) == 0 ? 201 : Pick(Statuses);
        long size = status is 204 or 304 || method == "HEAD" ? 0 : (long)Math.Exp(_random.NextDouble() * 12) + 20;
        CultureInfo inv = CultureInfo.InvariantCulture;

        AppendClient(line);
        line.Append(" - ");
        line.Append(_random.Next(50) == 0 ? "alice" : "-");
        line.Append(" [").Append(_time.ToString("dd/MMM/yyyy:HH:mm:ss", inv)).Append(" +0000] \"");
        line.Append(method).Append(' ');
        AppendPath(line);
        line.Append(_random.Next(10) == 0 ? " HTTP/2.0\" " : " HTTP/1.1\" ");
        line.Append(status.ToString(inv)).Append(' ').Append(size.ToString(inv)).Append(" \"");
        line.Append(_random.Next(10) < 6 ? "-" : "https://shop.example.com/" + Words[_random.Next(Words.Length)]);
        line.Append("\" \"").Append(UserAgents[_random.Next(UserAgents.Length)]).Append("\" \"");
        if (_random.Next(5) == 0)
        {
            AppendClient(line);
        }
        else
        {
            line.Append('-');
        }

        line.Append('"');
    }

    private void AppendClient(StringBuilder line)
    {
        int client = _random.Next(2000);
        _ = (client % 3) switch
        {
            0 => line.Append("10.").Append(client % 7).Append('.').Append(client % 251).Append('.').Append((client * 7) % 254 + 1),
            1 => line.Append("192.168.").Append(client % 16).Append('.').Append((client * 13) % 254 + 1),
            _ => line.Append(client % 200 + 23).Append('.').Append((client * 31) % 256).Append('.').Append((client * 17) % 256).Append('.').Append(client % 254 + 1),
        };
    }

    private void AppendPath(StringBuilder line)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        _ = _random.Next(10) switch
        {
            0 => line.Append('/'),
            1 or 2 => line.Append("/api/users/").Append(_random.Next(1, 100_000).ToString(inv)),
            3 => line.Append("/api/orders/").Append(_random.Next(1, 1_000_000).ToString(inv)).Append("/items"),
            4 => line.Append("/search?q=").Append(Words[_random.Next(Words.Length)]).Append("&page=").Append(_random.Next(1, 20).ToString(inv)),
            5 or 6 => line.Append("/static/app.").Append(_random.Next(0x100000, 0xFFFFFF).ToString("x6", inv)).Append(".js"),
            7 => line.Append("/images/").Append(_random.Next(1, 5000).ToString(inv)).Append(".png"),
            8 => line.Append("/healthz"),
            _ => line.Append("/index.html"),
        };
    }

    private T Pick<T>((int Weight, T Value)[] choices)
    {
        int total = 0;
        foreach ((int weight, _) in choices)
        {
            total += weight;
        }

        int roll = _random.Next(total);
        foreach ((int weight, T value) in choices)
        {
            roll -= weight;
            if (roll < 0)
            {
                return value;
            }
        }

        return choices[^1].Value;
    }
}
