using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Sidecars.Hosting;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.Receiving;

/// <summary>
/// Receives nginx's <c>access_log syslog:</c> datagrams (<c>Watcher:Listen</c>) and delivers each message to the
/// sink as one line, the way <see cref="AccessLogTailer"/> delivers the lines of a file: on one dedicated thread,
/// with a checkpoint (no positions: nothing can be read again) at the end of every turn, then
/// <see cref="AfterTurn"/> (save and publish).
/// <para>
/// The thread blocks in <c>poll</c> on the socket and an eventfd. Datagrams are counted in batches as they come (at
/// most one wake-up per <see cref="BatchInterval"/> for them); a turn
/// publishes them once per <see cref="ReceiverSettings.ReadInterval"/>, and when <see cref="ReadRequests"/> asks
/// (a scrape): the turn first receives everything queued on the socket, so a scrape counts every datagram the
/// kernel held when it arrived. Datagrams that are not syslog are counted and skipped; longer ones than
/// <see cref="ReceiverSettings.MaxMessageBytes"/> are counted as too long; the kernel's drops (a full receive
/// buffer, UDP) are read from <c>SO_MEMINFO</c> at each turn. Nothing is allocated per datagram.
/// </para>
/// </summary>
internal sealed class SyslogReceiver(ReceiverSettings settings, ILineSink sink, IDatagramEvents events, TimeProvider time, ILogger logger)
{
    private const int SolSocket = 1;
    private const int SoMemInfo = 55;
    private const int MemInfoDrops = 8; // SK_MEMINFO_DROPS: u32 index in SO_MEMINFO
    private const int MsgDontWait = 0x40;
    private const int MsgTrunc = 0x20;

    /// <summary>
    /// After a wake-up for a datagram the receiver waits this long (for a scrape or shutdown only) before it looks
    /// again, so a busy nginx's datagrams are taken in batches and not with a wake-up each (measured in the pod test:
    /// 43 µs of CPU per line at 500 lines/s with a wake-up per datagram); the receive buffer holds what comes meanwhile.
    /// </summary>
    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(20);

    private readonly byte[] _buffer = new byte[settings.MaxMessageBytes];
    private readonly LogThrottle _throttle = new(time, TimeSpan.FromSeconds(10));
    private long _bytesSinceCheckpoint;
    private long _kernelDrops;

    /// <summary>How scrapes (and tests) ask for a turn.</summary>
    public ReadRequests Requests { get; init; } = new();

    /// <summary>Called at the end of every turn, on the receiver's thread, once its checkpoint was reported.</summary>
    public Action<ReadTrigger>? AfterTurn { get; init; }

    /// <summary>The receive buffer the kernel gave (SO_RCVBUF as read back: twice what was set, within <c>net.core.rmem_max</c>).</summary>
    public int EffectiveReceiveBufferBytes { get; private set; }

    /// <summary>Set once the socket is bound (tests wait for it).</summary>
    public Task Bound => _bound.Task;

    private readonly TaskCompletionSource _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Receives on a thread of its own until cancelled; the last checkpoint is reported before it ends.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            () => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private unsafe void Run(CancellationToken ct)
    {
        Socket socket;
        try
        {
            socket = Open();
        }
        catch (Exception e)
        {
            _bound.TrySetException(e);
            Requests.Stop();
            throw;
        }
        int wakeFd = LibC.EventFd(0, LibC.CloseOnExec | LibC.NonBlocking);
        if (wakeFd < 0)
        {
            socket.Dispose();
            var e = new IOException($"eventfd failed (errno {Marshal.GetLastPInvokeError()})");
            _bound.TrySetException(e);
            Requests.Stop();
            throw e;
        }
        void Wake()
        {
            ulong one = 1;
            _ = LibC.Write(wakeFd, (byte*)&one, sizeof(ulong));
        }
        using var stop = ct.Register(Wake);
        Requests.Attach(Wake);
        _bound.TrySetResult();
        int fd = (int)socket.SafeHandle.DangerousGetHandle();
        // A turn receives at most what the buffer can hold (a datagram takes at least 256 bytes of it), so it ends
        // while nginx keeps sending, having taken everything that was queued when it started.
        int maxPerDrain = (EffectiveReceiveBufferBytes / 256) + 64;
        var fds = stackalloc LibC.PollFd[2];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                long turnStarted = time.GetTimestamp();
                var serving = Requests.TakePending();
                Drain(fd, maxPerDrain);
                ReadDrops(socket);
                Checkpoint();
                AfterTurn?.Invoke(serving is not null ? ReadTrigger.Scrape : ReadTrigger.Interval);
                serving?.TrySetResult();
                // Count what comes until something asks, or the interval since this turn began has passed.
                while (!ct.IsCancellationRequested)
                {
                    var remaining = settings.ReadInterval - time.GetElapsedTime(turnStarted);
                    if (remaining <= TimeSpan.Zero)
                    {
                        break;
                    }
                    fds[0] = new LibC.PollFd { Fd = fd, Events = LibC.PollIn };
                    fds[1] = new LibC.PollFd { Fd = wakeFd, Events = LibC.PollIn };
                    int ready = LibC.Poll(fds, 2, (int)Math.Ceiling(remaining.TotalMilliseconds));
                    if (ready < 0 && Marshal.GetLastPInvokeError() != LibC.EINTR)
                    {
                        throw new IOException($"poll failed (errno {Marshal.GetLastPInvokeError()})");
                    }
                    bool woken = ready > 0 && (fds[1].ReturnedEvents & LibC.PollIn) != 0;
                    if (ready > 0 && (fds[0].ReturnedEvents & LibC.PollIn) != 0)
                    {
                        Drain(fd, maxPerDrain);
                        if (!woken)
                        {
                            // Let the next datagrams gather; only a scrape or shutdown ends this wait early.
                            var batch = settings.ReadInterval - time.GetElapsedTime(turnStarted);
                            batch = batch < BatchInterval ? batch : BatchInterval;
                            if (batch > TimeSpan.Zero)
                            {
                                fds[1].ReturnedEvents = 0;
                                woken = LibC.Poll(fds + 1, 1, (int)Math.Ceiling(batch.TotalMilliseconds)) > 0 && (fds[1].ReturnedEvents & LibC.PollIn) != 0;
                            }
                        }
                    }
                    if (woken)
                    {
                        ulong value;
                        _ = LibC.Read(wakeFd, (byte*)&value, sizeof(ulong));
                        break; // a scrape or shutdown
                    }
                }
            }
            Drain(fd, maxPerDrain);
            ReadDrops(socket);
            Checkpoint();
        }
        finally
        {
            Requests.Stop();
            socket.Dispose();
            _ = LibC.Close(wakeFd);
            if (settings.Address.Kind == ListenKind.UnixDatagram)
            {
                // nginx's next send fails at once (ENOENT) instead of into a socket nobody reads.
                TryDelete(settings.Address.SocketPath!);
            }
        }
    }

    /// <summary>Creates and binds the socket: a stale Unix socket file is removed first, anything else there is refused.</summary>
    private Socket Open()
    {
        var address = settings.Address;
        Socket socket;
        if (address.Kind == ListenKind.UnixDatagram)
        {
            string path = address.SocketPath!;
            if (SocketPathProblem(path) is { } problem)
            {
                throw new IOException($"Watcher:Listen {address}: {problem}");
            }
            TryDelete(path);
            socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            try
            {
                SetBuffer(socket);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, settings.SocketMode);
                }
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        else
        {
            socket = new Socket(address.Endpoint!.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                SetBuffer(socket);
                socket.Bind(address.Endpoint);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        string shown = address.ToString(), nginxServer = address.NginxServer;
        ReceiverLog.Listening(logger, shown, nginxServer, EffectiveReceiveBufferBytes, settings.MaxMessageBytes);
        if (EffectiveReceiveBufferBytes < settings.ReceiveBufferBytes)
        {
            ReceiverLog.BufferCapped(logger, settings.ReceiveBufferBytes, EffectiveReceiveBufferBytes);
        }
        return socket;
    }

    private void SetBuffer(Socket socket)
    {
        socket.ReceiveBufferSize = settings.ReceiveBufferBytes;
        EffectiveReceiveBufferBytes = socket.ReceiveBufferSize;
    }

    /// <summary>
    /// Why the watcher may not create its socket at <paramref name="path"/>: a symlink there (never followed), or
    /// something other than a socket (it would be removed); null when nothing or a stale socket is there.
    /// </summary>
    public static string? SocketPathProblem(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return $"{path} is a symlink; the watcher does not follow one there: remove it or choose another path";
        }
        string folder = Path.GetDirectoryName(path) ?? "/";
        if (!Directory.Exists(folder))
        {
            return $"folder {folder} does not exist";
        }
        if (Directory.Exists(path))
        {
            return $"{path} is a folder; name the socket file to create";
        }
        if (FileStatus.OfPath(path, out _) is { } status && (status.Mode & 0xF000) != 0xC000)
        {
            return $"{path} is {status.Kind}, not a socket: remove it or choose another path";
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Binding fails next with a clear error.
        }
    }

    /// <summary>Receives every datagram queued now (at most <paramref name="max"/>), without waiting.</summary>
    private unsafe void Drain(int fd, int max)
    {
        fixed (byte* buffer = _buffer)
        {
            for (int n = 0; n < max; n++)
            {
                // MSG_TRUNC: the datagram's real length, even when it did not fit.
                nint length = LibC.Recv(fd, buffer, (nuint)_buffer.Length, MsgDontWait | MsgTrunc);
                if (length < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is LibC.EAGAIN or LibC.EINTR)
                    {
                        return;
                    }
                    // ECONNREFUSED and the like (a UDP error queued by the kernel) never stop the receiver.
                    if (_throttle.ShouldLog("recv", out long suppressed))
                    {
                        ReceiverLog.ReceiveFailed(logger, ReadErrors.Describe(errno), suppressed);
                    }
                    return;
                }
                OnDatagram(new ReadOnlySpan<byte>(buffer, (int)Math.Min(length, _buffer.Length)), length);
            }
        }
    }

    private void OnDatagram(ReadOnlySpan<byte> datagram, long length)
    {
        if (length > _buffer.Length)
        {
            // Cut by the kernel: the message is incomplete, as a line longer than the limit.
            _bytesSinceCheckpoint += length;
            sink.OnLineTooLong(length);
            return;
        }
        if (!SyslogHeader.TryFindMessage(datagram, out var message))
        {
            events.OnNotSyslog();
            if (_throttle.ShouldLog("not_syslog", out long suppressed))
            {
                ReceiverLog.NotSyslog(logger, LogText.Quoted(System.Text.Encoding.UTF8.GetString(datagram[..Math.Min(datagram.Length, 80)])), suppressed);
            }
            return;
        }
        var line = datagram[message];
        _bytesSinceCheckpoint += line.Length + 1;
        sink.OnLine(line);
    }

    private void ReadDrops(Socket socket)
    {
        Span<byte> info = stackalloc byte[(MemInfoDrops + 1) * sizeof(uint)];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoMemInfo, info) < info.Length)
            {
                return;
            }
        }
        catch (SocketException)
        {
            return;
        }
        long drops = MemoryMarshal.Cast<byte, uint>(info)[MemInfoDrops];
        if (drops > _kernelDrops)
        {
            events.OnDropped(drops - _kernelDrops);
            _kernelDrops = drops;
            if (_throttle.ShouldLog("dropped", out long suppressed))
            {
                ReceiverLog.Dropped(logger, drops, EffectiveReceiveBufferBytes, suppressed);
            }
        }
    }

    private void Checkpoint()
    {
        // Every turn checkpoints: the summary and the scrape see what was counted, and positions there are none.
        events.OnCheckpoint(new TailCheckpoint([], 0, _bytesSinceCheckpoint) { TakenAt = time.GetUtcNow() });
        _bytesSinceCheckpoint = 0;
    }
}
