using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Blocks the tailer's thread until a name it follows changes, until <see cref="Wake"/> is called (a scrape,
/// shutdown), or until a timeout (the next read is due). One inotify instance on the logs' folders (<c>IN_CREATE | IN_MOVED_FROM |
/// IN_MOVED_TO | IN_DELETE</c>: names only, never writes, so nginx's writes never wake the process) and one
/// eventfd for wake-ups live as long as the notifier; it has no thread of its own. Every wait drains all
/// queued events, and events about other names in the folder (nginx's error.log, say) never wake it.
/// Notifications only make rotations seen at once: when inotify is unavailable (limits, a folder that does
/// not exist yet) the tailer's read timer finds them, and the watch is set up again at the next
/// <see cref="EnsureWatching"/>.
/// </summary>
internal sealed class ChangeNotifier : IDisposable
{
    private const uint InMovedFrom = 0x40;
    private const uint InMovedTo = 0x80;
    private const uint InCreate = 0x100;
    private const uint InDelete = 0x200;
    private const uint InDeleteSelf = 0x400;
    private const uint InMoveSelf = 0x800;
    private const uint InQueueOverflow = 0x4000;
    private const uint InIgnored = 0x8000;
    private const uint InOnlyDirectory = 0x01000000;
    private const uint Mask = InMovedFrom | InMovedTo | InCreate | InDelete | InDeleteSelf | InMoveSelf | InOnlyDirectory;
    private const int EventHeaderBytes = 16; // int wd; uint32 mask, cookie, len; then len bytes of name

    private readonly Watch[] _watches;
    private readonly bool _useInotify;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly byte[] _events = new byte[64 * 1024];
    private int _eventFd;
    private int _inotifyFd = -1;
    private bool _unavailableLogged;

    /// <param name="folders">The folders to watch, each with the prefix of the names that matter there (null: any name).</param>
    /// <param name="useInotify">False: waits end only at <see cref="Wake"/> (the tailer's timer finds rotations).</param>
    public ChangeNotifier(IReadOnlyList<(string Folder, string? NamePrefix)> folders, bool useInotify, ILogger logger)
    {
        _watches = [.. folders.Select(f => new Watch(f.Folder, f.NamePrefix is null ? null : System.Text.Encoding.UTF8.GetBytes(f.NamePrefix)))];
        _useInotify = useInotify;
        _logger = logger;
        _eventFd = LibC.EventFd(0, LibC.CloseOnExec | LibC.NonBlocking);
        if (_eventFd < 0)
        {
            throw new IOException($"eventfd failed (errno {Marshal.GetLastPInvokeError()})");
        }
        EnsureWatching();
    }

    /// <summary>Whether name events currently wake the waiter for every folder (false: each turn must look for new logs).</summary>
    public bool IsWatching => Array.TrueForAll(_watches, w => w.Descriptor >= 0);

    /// <summary>Sets watches up that are missing (the folder appeared, inotify limits eased); cheap when they exist.</summary>
    public void EnsureWatching()
    {
        if (!_useInotify || IsWatching)
        {
            return;
        }
        if (_inotifyFd < 0)
        {
            _inotifyFd = LibC.InotifyInit(LibC.CloseOnExec | LibC.NonBlocking);
            if (_inotifyFd < 0)
            {
                LogUnavailable(_watches[0].Folder, $"inotify_init1 failed (errno {Marshal.GetLastPInvokeError()}; fs.inotify.max_user_instances reached?)");
                return;
            }
        }
        bool all = true;
        foreach (var watch in _watches)
        {
            if (watch.Descriptor >= 0)
            {
                continue;
            }
            watch.Descriptor = LibC.InotifyAddWatch(_inotifyFd, watch.Folder, Mask);
            if (watch.Descriptor < 0)
            {
                all = false;
                int errno = Marshal.GetLastPInvokeError();
                LogUnavailable(watch.Folder, errno == 2 ? "the folder does not exist yet" : $"inotify_add_watch failed (errno {errno})");
            }
        }
        if (all)
        {
            _unavailableLogged = false;
        }
    }

    /// <summary>Ends the current or the next <see cref="Wait"/>; safe from any thread, also after disposal.</summary>
    public unsafe void Wake()
    {
        lock (_lock)
        {
            if (_eventFd < 0)
            {
                return;
            }
            ulong one = 1;
            LibC.Write(_eventFd, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>
    /// Blocks until a followed name changed, <see cref="Wake"/> was called (maybe before this call), or
    /// <paramref name="timeout"/> passed (then <see cref="Changes.None"/>), and returns what happened, with every
    /// queued event consumed. Only the tailer's thread calls it.
    /// </summary>
    public unsafe Changes Wait(TimeSpan timeout)
    {
        int milliseconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 0, int.MaxValue);
        LibC.PollFd* fds = stackalloc LibC.PollFd[2];
        while (true)
        {
            fds[0] = new LibC.PollFd { Fd = _eventFd, Events = LibC.PollIn };
            fds[1] = new LibC.PollFd { Fd = _inotifyFd, Events = LibC.PollIn }; // a negative fd is ignored by poll
            int ready = LibC.Poll(fds, 2, milliseconds);
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                {
                    continue;
                }
                throw new IOException($"poll failed (errno {errno})");
            }
            var changes = Changes.None;
            if ((fds[0].ReturnedEvents & LibC.PollIn) != 0)
            {
                ulong count;
                LibC.Read(_eventFd, (byte*)&count, sizeof(ulong));
                changes |= Changes.Woken;
            }
            if (fds[1].ReturnedEvents != 0)
            {
                changes |= DrainEvents();
            }
            if (changes != Changes.None || ready == 0)
            {
                return changes;
            }
        }
    }

    private unsafe Changes DrainEvents()
    {
        var changes = Changes.None;
        fixed (byte* buffer = _events)
        {
            while (true)
            {
                nint read = LibC.Read(_inotifyFd, buffer, (nuint)_events.Length);
                if (read <= 0)
                {
                    return changes; // EAGAIN: drained
                }
                bool drained = read <= _events.Length - 4096; // room was left: the queue is empty (a later event wakes poll again)
                for (int at = 0; at + EventHeaderBytes <= read;)
                {
                    int descriptor = *(int*)(buffer + at);
                    uint mask = *(uint*)(buffer + at + 4);
                    int nameLength = (int)*(uint*)(buffer + at + 12);
                    var name = new ReadOnlySpan<byte>(buffer + at + EventHeaderBytes, nameLength);
                    at += EventHeaderBytes + nameLength;
                    if ((mask & InQueueOverflow) != 0)
                    {
                        changes |= Changes.Overflow;
                    }
                    else if ((mask & (InIgnored | InDeleteSelf | InMoveSelf)) != 0)
                    {
                        // The folder itself went away: the watch is gone, set it up again later.
                        foreach (var watch in _watches)
                        {
                            if (watch.Descriptor == descriptor)
                            {
                                watch.Descriptor = -1;
                            }
                        }
                        changes |= Changes.Names;
                    }
                    else if (Relevant(descriptor, name))
                    {
                        changes |= Changes.Names;
                    }
                }
                if (drained)
                {
                    return changes;
                }
            }
        }
    }

    private bool Relevant(int descriptor, ReadOnlySpan<byte> name)
    {
        foreach (var watch in _watches)
        {
            if (watch.Descriptor == descriptor && (watch.NamePrefix is null || name.StartsWith(watch.NamePrefix)))
            {
                return true;
            }
        }
        return false;
    }

    private void LogUnavailable(string folder, string reason)
    {
        if (!_unavailableLogged)
        {
            _unavailableLogged = true;
            TailerLog.NotificationsUnavailable(_logger, folder, reason);
        }
    }

    /// <summary>One watched folder: its inotify watch descriptor (-1 while it has none) and the names that matter.</summary>
    private sealed class Watch(string folder, byte[]? namePrefix)
    {
        public string Folder { get; } = folder;
        public byte[]? NamePrefix { get; } = namePrefix;
        public int Descriptor { get; set; } = -1;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_inotifyFd >= 0)
            {
                LibC.Close(_inotifyFd);
                _inotifyFd = -1;
            }
            if (_eventFd >= 0)
            {
                LibC.Close(_eventFd);
                _eventFd = -1;
            }
        }
    }
}
