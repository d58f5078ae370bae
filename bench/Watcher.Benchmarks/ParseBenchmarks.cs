using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher.Benchmarks;

/// <summary>
/// A short run in this process: the machine has 2 cores, and an in-process toolchain does not rebuild the
/// watcher in the source tree (other work shares its obj folders).
/// </summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
    }
}

/// <summary>
/// <see cref="LogFormat"/> against what regex-based exporters do: decode the line to a string, match a
/// compiled regex with a named group per variable (each variable as "anything up to the next literal's first
/// character", the way gonx builds it for prometheus-nginxlog-exporter), split <c>$request</c>, parse the numbers.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class ParseBenchmarks
{
    private const int BatchSize = 1000;

    private readonly LogFormat _format = LogFormat.Main;
    private readonly Regex _regex = PeerRegex(LogFormat.MainFormat);
    private byte[] _line = [];
    private byte[][] _batch = [];

    [GlobalSetup]
    public void Setup()
    {
        _batch = new LogLines(seed: 7).NextLines(BatchSize);
        _line = _batch[0];
        foreach (byte[] line in _batch)
        {
            // Both sides must understand every line, or the comparison means nothing.
            if (FormatParse(line) < 0 || RegexParse(line) < 0 || FormatParse(line) != RegexParse(line))
            {
                throw new InvalidOperationException("LogFormat and the regex disagree on: " + Encoding.UTF8.GetString(line));
            }
        }
    }

    [Benchmark(Baseline = true, Description = "Regex, one main line")]
    public long RegexOneLine() => RegexParse(_line);

    [Benchmark(Description = "LogFormat, one main line")]
    public long LogFormatOneLine() => FormatParse(_line);

    [Benchmark(Description = "Regex, 1000 realistic lines", OperationsPerInvoke = BatchSize)]
    public long RegexBatch()
    {
        long sum = 0;
        foreach (byte[] line in _batch)
        {
            sum += RegexParse(line);
        }

        return sum;
    }

    [Benchmark(Description = "LogFormat, 1000 realistic lines", OperationsPerInvoke = BatchSize)]
    public long LogFormatBatch()
    {
        long sum = 0;
        foreach (byte[] line in _batch)
        {
            sum += FormatParse(line);
        }

        return sum;
    }

    private long FormatParse(byte[] line)
    {
        var record = new AccessLogRecord();
        return _format.TryParse(line, ref record, out _)
            ? record.Status + record.BodyBytesSent + record.Method.Length + record.Path.Length
            : -1;
    }

    private long RegexParse(byte[] line)
    {
        Match match = _regex.Match(Encoding.UTF8.GetString(line));
        if (!match.Success)
        {
            return -1;
        }

        string[] request = match.Groups["request"].Value.Split(' ');
        int status = int.Parse(match.Groups["status"].ValueSpan, CultureInfo.InvariantCulture);
        long body = long.Parse(match.Groups["body_bytes_sent"].ValueSpan, CultureInfo.InvariantCulture);
        return status + body + request[0].Length + (request.Length > 1 ? request[1].Length : 0);
    }

    /// <summary>The regex a gonx-style exporter derives from a log_format: <c>(?&lt;name&gt;[^X]*)</c> per variable, X the next character.</summary>
    internal static Regex PeerRegex(string format)
    {
        var pattern = new StringBuilder("^");
        MatchCollection variables = Regex.Matches(format, @"\$([A-Za-z0-9_]+)");
        int at = 0;
        foreach (Match variable in variables)
        {
            pattern.Append(Regex.Escape(format[at..variable.Index]));
            int next = variable.Index + variable.Length;
            pattern.Append("(?<").Append(variable.Groups[1].Value).Append('>');
            pattern.Append(next < format.Length ? "[^" + Regex.Escape(format[next].ToString()) + "]*)" : ".*)");
            at = next;
        }

        pattern.Append(Regex.Escape(format[at..])).Append('$');
        return new Regex(pattern.ToString(), RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }
}
