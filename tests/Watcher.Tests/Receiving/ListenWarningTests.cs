using System.Net;
using System.Net.Sockets;
using Sidecars.Testing;
using Sidecars.Tests.Watcher.Tailing;
using Sidecars.Watcher.Receiving;

namespace Sidecars.Tests.Watcher.Receiving;

/// <summary>UDP on an address the pod network reaches takes lines from anyone there: the watcher says so at start, once.</summary>
public sealed class ListenWarningTests
{
    private const string Warning = "takes datagrams from any host that reaches it";

    [Theory]
    [InlineData("udp://127.0.0.1:5514", false)]
    [InlineData("udp://[::1]:5514", false)]
    [InlineData("udp://0.0.0.0:5514", true)]
    [InlineData("udp://10.1.2.3:5514", true)]
    [InlineData("udp://[::]:5514", true)]
    [InlineData("unixgram:/run/watcher/syslog.sock", false)]
    public void Only_udp_beyond_the_loopback_is_open_to_the_network(string listen, bool open) =>
        Assert.Equal(open, ListenAddress.TryParse(listen, out _)!.IsOpenToNetwork);

    [Theory]
    [InlineData("0.0.0.0", true)]
    [InlineData("127.0.0.1", false)]
    public async Task The_watcher_warns_at_start_when_it_listens_beyond_the_loopback(string ip, bool warns)
    {
        int port = FreeUdpPort();
        await using var watcher = WatcherChild.Start(null, $"--Watcher:Listen=udp://{ip}:{port}");
        // The warning comes before the receiver's first line.
        await Eventually.Holds(() => Task.FromResult(watcher.Output.Contains("Receiving syslog messages on", StringComparison.Ordinal)), WatcherChild.Within, "the receiver's first line");

        Assert.Equal(warns ? 1 : 0, Occurrences(watcher.Output, Warning));
    }

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
