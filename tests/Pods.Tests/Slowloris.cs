using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Slow-header clients: each connects, sends the start of a request and then one more header byte
/// every few seconds, never finishing its headers, and notes when and how the server closed it. With
/// <see cref="RunStalledAsync"/> each sends the first bytes of a TLS ClientHello instead and then nothing.
/// </summary>
internal sealed class Slowloris
{
    public sealed record Outcome(TimeSpan OpenedAt, TimeSpan? ClosedAfter, string How);

    /// <summary>
    /// The first 11 bytes of a TLS ClientHello whose record announces the largest plaintext record (16 KiB): the
    /// record header, the handshake type and length, the client version. A server must hold them, and room for
    /// the rest, until the rest comes.
    /// </summary>
    public static byte[] PartialClientHello => [0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03];

    /// <summary>
    /// Opens <paramref name="connections"/> connections at <paramref name="perSecond"/> a second; each sends
    /// <paramref name="opening"/> and then nothing until <paramref name="duration"/> has passed since the first one.
    /// </summary>
    public static Task<Outcome[]> RunStalledAsync(IPEndPoint target, byte[] opening, int connections, int perSecond, TimeSpan duration) =>
        RunAsync(target, connections, perSecond, null, duration, opening);

    /// <summary>
    /// Opens <paramref name="connections"/> connections at <paramref name="perSecond"/> a second and
    /// keeps them trickling until <paramref name="duration"/> has passed since the first one.
    /// </summary>
    public static Task<Outcome[]> RunAsync(IPEndPoint target, int connections, int perSecond, TimeSpan trickleEvery, TimeSpan duration) =>
        RunAsync(target, connections, perSecond, trickleEvery, duration, Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: watcher\r\nX-Slow: "));

    private static async Task<Outcome[]> RunAsync(IPEndPoint target, int connections, int perSecond, TimeSpan? trickleEvery, TimeSpan duration, byte[] opening)
    {
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task<Outcome>>(connections);
        for (int i = 0; i < connections; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            tasks.Add(OneAsync(target, clock, opening, trickleEvery, duration));
        }
        return await Task.WhenAll(tasks);
    }

    private static async Task<Outcome> OneAsync(IPEndPoint target, Stopwatch clock, byte[] opening, TimeSpan? trickleEvery, TimeSpan duration)
    {
        var openedAt = clock.Elapsed;
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target);
            await socket.SendAsync(opening);
        }
        catch (SocketException e)
        {
            return new Outcome(openedAt, clock.Elapsed - openedAt, $"connect failed: {e.SocketErrorCode}");
        }
        var buffer = new byte[512];
        var read = socket.ReceiveAsync(buffer, SocketFlags.None);
        while (clock.Elapsed < duration)
        {
            var left = duration - clock.Elapsed;
            if (await Task.WhenAny(read, Task.Delay(trickleEvery ?? (left > TimeSpan.Zero ? left : TimeSpan.Zero))) == read)
            {
                return Closed(openedAt, clock, read, buffer);
            }
            if (trickleEvery is null)
            {
                continue;
            }
            try
            {
                await socket.SendAsync("a"u8.ToArray());
            }
            catch (SocketException)
            {
                return new Outcome(openedAt, clock.Elapsed - openedAt, "reset");
            }
        }
        return read.IsCompleted ? Closed(openedAt, clock, read, buffer) : new Outcome(openedAt, null, "still open");
    }

    private static Outcome Closed(TimeSpan openedAt, Stopwatch clock, Task<int> read, byte[] buffer)
    {
        var after = clock.Elapsed - openedAt;
        if (read.IsFaulted)
        {
            return new Outcome(openedAt, after, "reset");
        }
        int n = read.Result;
        return new Outcome(openedAt, after, n == 0 ? "closed" : Encoding.ASCII.GetString(buffer, 0, Math.Min(n, 12)));
    }
}
