using System.Buffers;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Io.Prometheus.Client;

namespace Sidecars.Hosting;

/// <summary>
/// The protobuf exposition: length-delimited <see cref="MetricFamily"/> messages (classes generated from
/// Prometheus' own <c>metrics.proto</c>). Sources that write only the text format are converted here from
/// their text (<see cref="FromText(ReadOnlySpan{byte}, IBufferWriter{byte})"/>), so every family of the text format appears in the protobuf one with
/// the same values; a source that has more to say in protobuf (native histograms) writes its messages itself.
/// </summary>
public static class ProtobufExposition
{
    /// <summary>Appends <paramref name="family"/> as a varint length and the message.</summary>
    public static void WriteDelimited(IBufferWriter<byte> output, MetricFamily family)
    {
        int size = family.CalculateSize();
        var span = output.GetSpan(5);
        int at = 0;
        uint rest = (uint)size;
        while (rest >= 0x80)
        {
            span[at++] = (byte)(rest | 0x80);
            rest >>= 7;
        }
        span[at++] = (byte)rest;
        output.Advance(at);
        family.WriteTo(output);
    }

    /// <summary>
    /// Converts a text exposition (format 0.0.4, as this project's writers and prometheus-net write it:
    /// HELP and TYPE before the samples of a family) of counters, gauges and untyped metrics into
    /// length-delimited messages. Timestamps are not written by any source here and are ignored; a family without
    /// samples is left out.
    /// </summary>
    /// <exception cref="FormatException">A line that is not such text, or a type it does not convert.</exception>
    public static void FromText(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output)
    {
        MetricFamily? family = null;
        foreach (var range in utf8.Split((byte)'\n'))
        {
            var line = Encoding.UTF8.GetString(utf8[range]);
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                if (family is not null)
                {
                    WriteWithSamples(output, family);
                }
                int space = line.IndexOf(' ', 7);
                family = new MetricFamily
                {
                    Name = space < 0 ? line[7..] : line[7..space],
                    Help = space < 0 ? "" : UnescapeHelp(line[(space + 1)..]),
                };
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var words = line[7..].Split(' ');
                if (family is null || family.Name != words[0])
                {
                    if (family is not null)
                    {
                        WriteWithSamples(output, family);
                    }
                    family = new MetricFamily { Name = words[0] };
                }
                family.Type = words.Length > 1 ? TypeOf(words[1]) : MetricType.Untyped;
                continue;
            }
            if (line[0] == '#')
            {
                continue;
            }
            var (name, labels, value) = Sample(line);
            if (family is null || family.Name != name)
            {
                if (family is not null)
                {
                    WriteWithSamples(output, family);
                }
                family = new MetricFamily { Name = name, Type = MetricType.Untyped };
            }
            var metric = new Metric();
            metric.Label.AddRange(labels);
            switch (family.Type)
            {
                case MetricType.Counter:
                    metric.Counter = new Counter { Value = value };
                    break;
                case MetricType.Gauge:
                    metric.Gauge = new Gauge { Value = value };
                    break;
                default:
                    metric.Untyped = new Untyped { Value = value };
                    break;
            }
            family.Metric.Add(metric);
        }
        if (family is not null)
        {
            WriteWithSamples(output, family);
        }
    }

    /// <summary>Converts a text exposition held in a buffer (see <see cref="FromText(ReadOnlySpan{byte}, IBufferWriter{byte})"/>).</summary>
    internal static void FromText(PooledBuffer text, IBufferWriter<byte> output)
    {
        if (text.Length > 0)
        {
            FromText(text.ToArray(), output);
        }
    }

    /// <summary>
    /// A family the text gave HELP and TYPE but no sample (a labelled counter not touched yet) is left out: it
    /// holds no value, and client_golang never writes a family without metrics either.
    /// </summary>
    private static void WriteWithSamples(IBufferWriter<byte> output, MetricFamily family)
    {
        if (family.Metric.Count > 0)
        {
            WriteDelimited(output, family);
        }
    }

    private static MetricType TypeOf(string type) => type switch
    {
        "counter" => MetricType.Counter,
        "gauge" => MetricType.Gauge,
        "untyped" => MetricType.Untyped,
        _ => throw new FormatException($"the text exposition's type {type} is not converted to protobuf"),
    };

    /// <summary><c>name value</c> or <c>name{a="b",...} value</c>, label values unescaped.</summary>
    private static (string Name, List<LabelPair> Labels, double Value) Sample(string line)
    {
        var labels = new List<LabelPair>();
        int brace = line.IndexOf('{', StringComparison.Ordinal);
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        string name;
        int at;
        if (brace >= 0 && (space < 0 || brace < space))
        {
            name = line[..brace];
            at = brace + 1;
            while (line[at] != '}')
            {
                int equals = line.IndexOf('=', at);
                string label = line[at..equals].Trim();
                at = equals + 2; // past ="
                var value = new StringBuilder();
                while (line[at] != '"')
                {
                    if (line[at] == '\\')
                    {
                        at++;
                        value.Append(line[at] == 'n' ? '\n' : line[at]);
                    }
                    else
                    {
                        value.Append(line[at]);
                    }
                    at++;
                }
                labels.Add(new LabelPair { Name = label, Value = value.ToString() });
                at++; // past the closing quote
                if (line[at] == ',')
                {
                    at++;
                }
            }
            at++; // past }
        }
        else
        {
            if (space < 0)
            {
                throw new FormatException($"a sample line without a value: {line}");
            }
            name = line[..space];
            at = space;
        }
        var rest = line.AsSpan(at).Trim();
        int end = rest.IndexOf(' ');
        return (name, labels, Number(end < 0 ? rest : rest[..end]));
    }

    private static double Number(ReadOnlySpan<char> text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>HELP text with <c>\\</c> and <c>\n</c> unescaped, one pass.</summary>
    private static string UnescapeHelp(string help)
    {
        if (!help.Contains('\\', StringComparison.Ordinal))
        {
            return help;
        }
        var text = new StringBuilder(help.Length);
        for (int i = 0; i < help.Length; i++)
        {
            if (help[i] == '\\' && i + 1 < help.Length)
            {
                i++;
                text.Append(help[i] == 'n' ? '\n' : help[i]);
            }
            else
            {
                text.Append(help[i]);
            }
        }
        return text.ToString();
    }
}
