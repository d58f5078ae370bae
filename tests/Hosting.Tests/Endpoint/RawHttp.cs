using System.Net.Sockets;
using System.Text;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>HTTP/1.1 over a plain socket, for what HttpClient will not do: pipelining, slow headers, reading raw responses.</summary>
internal static class RawHttp
{
    public sealed record Response(int Status, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>Reads one response with a Content-Length body from <paramref name="stream"/>.</summary>
    public static async Task<Response> ReadResponseAsync(Stream stream, bool head = false)
    {
        var header = new List<byte>();
        var one = new byte[1];
        while (header.Count < 4 || !(header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new EndOfStreamException($"connection closed after {header.Count} header bytes: {Encoding.ASCII.GetString([.. header])}");
            }
            header.Add(one[0]);
        }
        string[] lines = Encoding.ASCII.GetString([.. header]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        int status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        int length = head ? 0 : int.Parse(headers["Content-Length"], System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return new Response(status, headers, body);
    }

    public static async Task<TcpClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        return tcp;
    }
}
