using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class AcceptEncodingTests
{
    [Theory]
    [InlineData("gzip", true)]
    [InlineData("gzip, deflate, br", true)] // curl --compressed
    [InlineData("GZIP;q=0.5", true)]
    [InlineData("identity, x-gzip", true)]
    [InlineData("*", true)]
    [InlineData("gzip;q=0", false)]
    [InlineData("gzip; q=0.000, *", false)]
    [InlineData("*;q=0", false)]
    [InlineData("deflate, br", false)]
    [InlineData("", false)]
    [InlineData(",,;;q=", false)]
    public void Gzip_is_used_exactly_when_the_header_accepts_it(string header, bool gzip) =>
        Assert.Equal(gzip, AcceptEncoding.AcceptsGzip([header]));

    [Fact]
    public void Several_header_lines_are_read_together() =>
        Assert.True(AcceptEncoding.AcceptsGzip(["br", null, "gzip"]));
}
