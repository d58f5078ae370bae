using System.Net.Sockets;

namespace Sidecars.Tests.Watcher.Receiving;

internal static class StaleSocket
{
    /// <summary>
    /// Leaves a socket file nobody listens on at <paramref name="path"/>, as a killed watcher does (.NET removes the
    /// file of a socket it closes, so the socket is bound elsewhere and its file moved).
    /// </summary>
    public static void Make(string path)
    {
        string bound = path + ".bound";
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, path);
        }
        Assert.Equal("a socket", Sidecars.Watcher.Tailing.FileStatus.OfPath(path)?.Kind);
    }
}
