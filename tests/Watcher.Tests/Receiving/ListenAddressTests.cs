using System.Net;
using Sidecars.Watcher;
using Sidecars.Watcher.Receiving;

namespace Sidecars.Tests.Watcher.Receiving;

public sealed class ListenAddressTests
{
    [Fact]
    public void A_unix_datagram_socket_is_a_path()
    {
        var address = ListenAddress.TryParse("unixgram:/run/watcher/syslog.sock", out string? problem);
        Assert.Null(problem);
        Assert.Equal(ListenKind.UnixDatagram, address!.Kind);
        Assert.Equal("/run/watcher/syslog.sock", address.SocketPath);
        Assert.Equal("unix:/run/watcher/syslog.sock", address.NginxServer);
    }

    [Theory]
    [InlineData("udp://127.0.0.1:5514", "127.0.0.1:5514")]
    [InlineData("udp://[::1]:514", "[::1]:514")]
    [InlineData("udp://0.0.0.0:65535", "0.0.0.0:65535")]
    public void A_udp_address_is_an_ip_and_a_port(string text, string endpoint)
    {
        var address = ListenAddress.TryParse(text, out string? problem);
        Assert.Null(problem);
        Assert.Equal(ListenKind.Udp, address!.Kind);
        Assert.Equal(IPEndPoint.Parse(endpoint), address.Endpoint);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("unixgram:relative.sock", "needs an absolute path after unixgram:")]
    [InlineData("unixgram:/run/watcher/", "needs the path of a socket file, not of a folder")]
    [InlineData("udp://localhost:5514", "needs an IP address, not a name (got host \"localhost\")")]
    [InlineData("udp://127.1:5514", "needs an IP address, not a name (got host \"127.1\")")]
    [InlineData("udp://127.0.0.1", "needs an IP address and a port after udp://")]
    [InlineData("udp://127.0.0.1:0", "needs a port between 1 and 65535 (got \"0\")")]
    [InlineData("udp://127.0.0.1:99999", "needs a port between 1 and 65535 (got \"99999\")")]
    [InlineData("udp://::1:514", "needs an IPv6 address in brackets, e.g. udp://[::1]:5514")]
    [InlineData("tcp://127.0.0.1:514", "takes " + ListenAddress.Syntax)]
    [InlineData("/run/watcher/syslog.sock", "takes " + ListenAddress.Syntax)]
    public void A_bad_address_says_what_it_needs(string text, string expected)
    {
        Assert.Null(ListenAddress.TryParse(text, out string? problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void A_unix_path_longer_than_a_socket_address_holds_is_refused()
    {
        Assert.Null(ListenAddress.TryParse("unixgram:/" + new string('a', 107), out string? problem));
        Assert.Equal("has a path longer than the 107 bytes a Unix socket address holds", problem);
        Assert.NotNull(ListenAddress.TryParse("unixgram:/" + new string('a', 106), out _));
    }
}
