using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sidecars.Testing;
using Sidecars.Tests.Watcher.Tailing;
using Sidecars.Watcher.Receiving;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Receiving;

/// <summary>The receiver on real sockets: what is sent before a scrape asks is counted by the turn that answers it.</summary>
public sealed class SyslogReceiverTests : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);
    private const string Line = "10.0.0.1 - - [08/Dec/2026:00:35:01 +0000] \"GET / HTTP/1.1\" 200 612";

    private readonly TempFolder _folder = new("syslog-receiver");
    private readonly CancellationTokenSource _stop = new();

    public void Dispose()
    {
        _stop.Dispose();
        _folder.Dispose();
    }

    private sealed class Events : IDatagramEvents
    {
        private readonly Lock _lock = new();
        private readonly List<TailCheckpoint> _checkpoints = [];
        private long _notSyslog, _dropped;

        public IReadOnlyList<TailCheckpoint> Checkpoints { get { lock (_lock) { return [.. _checkpoints]; } } }

        public long NotSyslog => Interlocked.Read(ref _notSyslog);

        public long Dropped => Interlocked.Read(ref _dropped);

        public void OnNotSyslog() => Interlocked.Increment(ref _notSyslog);

        public void OnDropped(long count) => Interlocked.Add(ref _dropped, count);

        public void OnCheckpoint(TailCheckpoint checkpoint)
        {
            lock (_lock)
            {
                _checkpoints.Add(checkpoint);
            }
        }
    }

    private static byte[] Datagram(int i) => Encoding.ASCII.GetBytes($"<190>Dec  8 00:35:01 web nginx: {Line} {i}");

    private (SyslogReceiver Receiver, Task Run) Start(ListenAddress address, ILineSink sink, Events events, int bufferBytes = 1 << 20, int maxMessageBytes = 1024)
    {
        var receiver = new SyslogReceiver(
            new ReceiverSettings(address, bufferBytes, maxMessageBytes, (UnixFileMode)Convert.ToInt32("666", 8), TimeSpan.FromSeconds(30)),
            sink, events, TimeProvider.System, NullLogger<SyslogReceiver>.Instance);
        return (receiver, receiver.RunAsync(_stop.Token));
    }

    [Fact]
    public async Task Every_datagram_sent_before_a_scrape_asks_is_counted_by_the_turn_that_answers_it()
    {
        // Given a receiver on a Unix socket whose read interval is far away (only a scrape makes a turn)
        string path = _folder.File("syslog.sock");
        var sink = new RecordingSink();
        var events = new Events();
        var (receiver, run) = Start(ListenAddress.TryParse("unixgram:" + path, out _)!, sink, events);
        await receiver.Bound.WaitAsync(Within);
        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        sender.Connect(new UnixDomainSocketEndPoint(path));

        // When 2,000 messages, one datagram that is not syslog and one longer than the limit are sent, then a scrape asks
        int checkpointsBefore = events.Checkpoints.Count;
        for (int i = 0; i < 2000; i++)
        {
            // Blocking sends: the kernel queues at most net.unix.max_dgram_qlen datagrams, then the sender waits.
            sender.Send(Datagram(i));
        }
        sender.Send("not syslog"u8.ToArray());
        sender.Send(Encoding.ASCII.GetBytes("<190>Dec  8 00:35:01 web nginx: " + new string('x', 2000)));
        await receiver.Requests.NextTurnAsync().WaitAsync(Within);

        // Then the turn that answered had every one of them, in order, each message without its header
        Assert.Equal(2000, sink.LineCount);
        Assert.Equal($"{Line} 0", sink.Lines[0]);
        Assert.Equal($"{Line} 1999", sink.Lines[^1]);
        Assert.Equal(1, events.NotSyslog);
        Assert.Equal([2032L], sink.TooLong);
        Assert.True(events.Checkpoints.Count > checkpointsBefore);
        Assert.Empty(events.Checkpoints[^1].Logs);
        Assert.Equal(Enumerable.Range(0, 2000).Sum(i => (long)$"{Line} {i}".Length + 1) + 2032, events.Checkpoints.Skip(checkpointsBefore).Sum(c => c.BytesRead));

        // And the socket is writable by nginx's workers; stopping removes it
        Assert.Equal((UnixFileMode)Convert.ToInt32("666", 8), File.GetUnixFileMode(path));
        await _stop.CancelAsync();
        await run.WaitAsync(Within);
        Assert.Null(FileStatus.OfPath(path));
    }

    [Fact]
    public async Task A_stale_socket_file_is_replaced()
    {
        string path = _folder.File("syslog.sock");
        StaleSocket.Make(path);
        var sink = new RecordingSink();
        var (receiver, _) = Start(ListenAddress.TryParse("unixgram:" + path, out _)!, sink, new Events());
        await receiver.Bound.WaitAsync(Within);
        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        sender.SendTo(Datagram(7), new UnixDomainSocketEndPoint(path));
        await receiver.Requests.NextTurnAsync().WaitAsync(Within);
        Assert.Equal([$"{Line} 7"], sink.Lines);
        await _stop.CancelAsync();
    }

    [Fact]
    public async Task Udp_datagrams_the_kernel_drops_are_counted_and_with_those_received_make_every_one_sent()
    {
        // Given a receiver on UDP with the smallest buffer, stuck on its first message (a slow disk, a stalled CPU)
        using var port = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        port.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endpoint = (IPEndPoint)port.LocalEndPoint!;
        port.Close(); // a free port, most likely still free a moment later
        var sink = new StallingRecordingSink();
        var events = new Events();
        var (receiver, _) = Start(ListenAddress.TryParse($"udp://{endpoint}", out _)!, sink, events, bufferBytes: 4096);
        await receiver.Bound.WaitAsync(Within);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.SendTo(Datagram(0), endpoint);
        await Eventually.Holds(() => sink.Stalled, Within, "the receiver stuck in its first message");

        // When 2,000 more are sent (UDP never waits: what does not fit is dropped), then it goes on and a scrape asks
        for (int i = 1; i <= 2000; i++)
        {
            sender.SendTo(Datagram(i), endpoint);
        }
        sink.Release();
        await receiver.Requests.NextTurnAsync().WaitAsync(Within);

        // Then some were dropped, and dropped plus counted is every one sent
        Assert.InRange(events.Dropped, 1, 2000);
        Assert.Equal(2001, sink.Inner.LineCount + events.Dropped);
        await _stop.CancelAsync();
    }

    /// <summary>A sink whose first line blocks until released.</summary>
    private sealed class StallingRecordingSink : ILineSink
    {
        private readonly ManualResetEventSlim _release = new();
        private volatile bool _stalled;

        public RecordingSink Inner { get; } = new();

        public bool Stalled => _stalled;

        public void Release() => _release.Set();

        public void OnLine(ReadOnlySpan<byte> line)
        {
            if (!_stalled)
            {
                _stalled = true;
                _release.Wait(Within);
            }
            Inner.OnLine(line);
        }

        public void OnLineTooLong(long length) => Inner.OnLineTooLong(length);
    }
}
