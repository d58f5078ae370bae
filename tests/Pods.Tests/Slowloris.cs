using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Slow-header clients: each connects, sends the start of a request and then one more header byte
/// every few seconds, never finishing its headers, and notes when and how the server closed it.
/// </summary>
internal sealed class Slowloris
{
    public sealed record Outcome(TimeSpan OpenedAt, TimeSpan? ClosedAfter, string How);

    /// <summary>
    /// Opens <paramref name="connections"/> connections at <paramref name="perSecond"/> a second and
    /// keeps them trickling until <paramref name="duration"/> has passed since the first one.
    /// </summary>
    public static async Task<Outcome[]> RunAsync(IPEndPoint target, int connections, int perSecond, TimeSpan trickleEvery, TimeSpan duration)
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
            tasks.Add(OneAsync(target, clock, trickleEvery, duration));
        }
        return await Task.WhenAll(tasks);
    }

    private static async Task<Outcome> OneAsync(IPEndPoint target, Stopwatch clock, TimeSpan trickleEvery, TimeSpan duration)
    {
        var openedAt = clock.Elapsed;
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: watcher\r\nX-Slow: "));
        }
        catch (SocketException e)
        {
            return new Outcome(openedAt, clock.Elapsed - openedAt, $"connect failed: {e.SocketErrorCode}");
        }
        var buffer = new byte[512];
        var read = socket.ReceiveAsync(buffer, SocketFlags.None);
        while (clock.Elapsed < duration)
        {
            if (await Task.WhenAny(read, Task.Delay(trickleEvery)) == read)
            {
                return Closed(openedAt, clock, read, buffer);
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
