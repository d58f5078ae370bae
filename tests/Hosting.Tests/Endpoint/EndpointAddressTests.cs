using System.Net;
using System.Net.Sockets;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>Http:Address binds one address only.</summary>
[Collection(RunningHost.Collection)]
public sealed class EndpointAddressTests
{
    [Fact]
    public async Task With_Http_Address_the_endpoint_answers_on_that_address_only()
    {
        await using var host = await RunningHost.StartAsync("--Http:Address=127.0.0.1");

        // The whole of 127.0.0.0/8 reaches this machine, but only 127.0.0.1 is bound.
        using var other = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => other.ConnectAsync(IPAddress.Parse("127.0.0.2"), host.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        using var http = new HttpClient();
        Assert.Equal("ok\n", await http.GetStringAsync(host.Address("/healthz")));
    }
}
