using System.Net;
using System.Net.Sockets;

namespace Sidecars.Testing;

/// <summary>Loopback TCP ports for services a test starts.</summary>
public static class Ports
{
    /// <summary>A port nothing listens on right now (the kernel picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
