using System.Buffers;
using System.Text;
using Sidecars.Hosting;
using Sidecars.Testing;

namespace Sidecars.Tests.Hosting;

public sealed class ProtobufExpositionTests
{
    [Fact]
    public void Text_of_counters_gauges_and_untyped_metrics_converts_to_the_same_families_and_values()
    {
        const string text = """
            # HELP probe_build_info Build information, \\ and \n escaped.
            # TYPE probe_build_info gauge
            probe_build_info{version="0.1.0",runtime="a \"quoted\\ one\"\n"} 1
            # HELP jobs_total Jobs done.
            # TYPE jobs_total counter
            jobs_total{kind="a"} 3
            jobs_total{kind="b"} 1.5e+20
            # HELP connections Connections accepted (cumulative).
            # TYPE connections untyped
            connections 12345678901
            # HELP temperature A gauge that can be anything.
            # TYPE temperature gauge
            temperature -Inf

            """;
        var output = new ArrayBufferWriter<byte>();
        ProtobufExposition.FromText(Encoding.UTF8.GetBytes(text), output);
        var families = ProtobufSamples.Decode(output.WrittenSpan.ToArray());

        Assert.Equal(["probe_build_info", "jobs_total", "connections", "temperature"], families.Select(f => f.Name));
        Assert.Equal("Build information, \\ and \n escaped.", families[0].Help);
        Assert.Equal(ProtobufSamples.Types(text), ProtobufSamples.Types(families));
        Assert.Equal(ProtobufSamples.Samples(text), ProtobufSamples.Samples(families));
        Assert.Equal("a \"quoted\\ one\"\n", families[0].Metric[0].Label.Single(l => l.Name == "runtime").Value);
    }

    [Fact]
    public void A_family_with_HELP_and_TYPE_but_no_sample_is_left_out()
    {
        const string text = "# HELP a_total None yet.\n# TYPE a_total counter\n# HELP b_total One.\n# TYPE b_total counter\nb_total 1\n";
        var output = new ArrayBufferWriter<byte>();
        ProtobufExposition.FromText(Encoding.UTF8.GetBytes(text), output);
        Assert.Equal(["b_total"], ProtobufSamples.Decode(output.WrittenSpan.ToArray()).Select(f => f.Name));
    }

    [Fact]
    public void A_type_the_conversion_does_not_know_is_an_error_not_a_silent_loss()
    {
        const string text = "# HELP h A histogram.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n";
        Assert.Throws<FormatException>(() => ProtobufExposition.FromText(Encoding.UTF8.GetBytes(text), new ArrayBufferWriter<byte>()));
    }
}
