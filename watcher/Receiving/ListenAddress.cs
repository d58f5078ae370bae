using System.Globalization;
using System.Net;

namespace Sidecars.Watcher.Receiving;

/// <summary>Which kind of socket <c>Watcher:Listen</c> names.</summary>
internal enum ListenKind
{
    /// <summary>A Unix datagram socket at a path the watcher creates (<c>unixgram:/PATH</c>).</summary>
    UnixDatagram,
    /// <summary>A UDP port on an IP address (<c>udp://IP:PORT</c>).</summary>
    Udp,
}

/// <summary>
/// Where the watcher receives nginx's syslog messages (<c>Watcher:Listen</c>): <c>unixgram:/PATH</c> or
/// <c>udp://IP:PORT</c> (an IPv6 address in brackets). Pure: no socket, no file.
/// </summary>
internal sealed record ListenAddress(ListenKind Kind, string? SocketPath, IPEndPoint? Endpoint)
{
    public const string UnixPrefix = "unixgram:";
    public const string UdpPrefix = "udp://";

    /// <summary>What the setting takes, for validation lines.</summary>
    public const string Syntax = "unixgram:/PATH (a Unix datagram socket the watcher creates) or udp://IP:PORT (e.g. udp://127.0.0.1:5514)";

    /// <summary>The address as nginx's <c>access_log syslog:server=</c> names it.</summary>
    public string NginxServer => Kind == ListenKind.UnixDatagram ? "unix:" + SocketPath : Endpoint!.ToString();

    /// <summary>UDP on an address other hosts can reach (not the loopback): anyone there can send lines that count.</summary>
    public bool IsOpenToNetwork => Kind == ListenKind.Udp && !IPAddress.IsLoopback(Endpoint!.Address);

    public override string ToString() => Kind == ListenKind.UnixDatagram ? UnixPrefix + SocketPath : UdpPrefix + Endpoint;

    /// <summary>Parses the setting; null with <paramref name="problem"/> saying what is wrong (without the setting's name).</summary>
    public static ListenAddress? TryParse(string text, out string? problem)
    {
        problem = null;
        if (text.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            string path = text[UnixPrefix.Length..];
            if (!path.StartsWith('/'))
            {
                problem = "needs an absolute path after unixgram:";
                return null;
            }
            if (path.EndsWith('/') || path.Contains('\0'))
            {
                problem = "needs the path of a socket file, not of a folder";
                return null;
            }
            // sockaddr_un holds 108 bytes with the terminating zero.
            if (System.Text.Encoding.UTF8.GetByteCount(path) > 107)
            {
                problem = "has a path longer than the 107 bytes a Unix socket address holds";
                return null;
            }
            return new ListenAddress(ListenKind.UnixDatagram, path, null);
        }
        if (text.StartsWith(UdpPrefix, StringComparison.Ordinal))
        {
            string hostPort = text[UdpPrefix.Length..];
            int colon = hostPort.LastIndexOf(':');
            if (colon <= 0)
            {
                problem = "needs an IP address and a port after udp://";
                return null;
            }
            string host = hostPort[..colon];
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                host = host[1..^1];
            }
            else if (host.Contains(':'))
            {
                problem = "needs an IPv6 address in brackets, e.g. udp://[::1]:5514";
                return null;
            }
            if (!IPAddress.TryParse(host, out var ip) || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && host.Count(c => c == '.') != 3))
            {
                problem = $"needs an IP address, not a name (got host \"{host}\")";
                return null;
            }
            if (!int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                problem = $"needs a port between 1 and 65535 (got \"{hostPort[(colon + 1)..]}\")";
                return null;
            }
            return new ListenAddress(ListenKind.Udp, null, new IPEndPoint(ip, port));
        }
        problem = "takes " + Syntax;
        return null;
    }
}
