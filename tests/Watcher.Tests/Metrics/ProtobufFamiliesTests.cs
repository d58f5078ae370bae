using System.Buffers;
using Io.Prometheus.Client;
using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Tests.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Metrics;

public sealed class ProtobufFamiliesTests
{
    [Fact]
    public void A_protobuf_decode_of_the_rendering_gives_the_same_families_counts_and_sums_as_the_text()
    {
        var options = new WatcherOptions { Routes = [new() { Name = "api", Pattern = "/api" }] };
        var (counter, metrics) = TestLines.Counter(LogFormat.Compile(TestLines.TimedFormat), options);
        counter.Feed(
            TestLines.Timed("GET", "/api/x", 200, 512, "0.003", "HIT"),
            TestLines.Timed("GET", "/api/x", 200, 1024, "0.250"),
            TestLines.Timed("POST", "/home", 404, 0, "12.5"),
            TestLines.Timed("GET", "/home", 200, 70_000, "0.081", "MISS"),
            "not a line of the format");
        counter.OnCheckpoint(Checkpoints.NoLog());
        metrics.Restored = true;

        var text = new ArrayBufferWriter<byte>();
        metrics.WriteTo(text);
        var protobuf = new ArrayBufferWriter<byte>();
        metrics.WriteProtobufTo(protobuf);
        string exposition = System.Text.Encoding.UTF8.GetString(text.WrittenSpan);
        var families = ProtobufSamples.Decode(protobuf.WrittenSpan.ToArray());

        Assert.Equal(ProtobufSamples.Types(exposition), ProtobufSamples.Types(families));
        Assert.Equal(ProtobufSamples.Samples(exposition), ProtobufSamples.Samples(families));
        // In the same order as the text, with the help texts.
        Assert.Equal(exposition.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]), families.Select(f => f.Name));
        var duration = families.Single(f => f.Name == "nginx_http_request_duration_seconds");
        Assert.Equal(MetricFamilies.RequestDuration.Help, duration.Help);
        Assert.Equal(MetricType.Histogram, duration.Type);
        Assert.Equal(4UL, (ulong)duration.Metric.Sum(m => (long)m.Histogram.SampleCount));
        Assert.Equal(12.834, duration.Metric.Sum(m => m.Histogram.SampleSum), 9);
    }

    [Fact]
    public void Before_the_saved_values_are_restored_neither_format_shows_any()
    {
        var (_, metrics) = TestLines.Counter();
        var protobuf = new ArrayBufferWriter<byte>();
        metrics.WriteProtobufTo(protobuf);
        Assert.Equal(0, protobuf.WrittenCount);
    }
}
