using System.Buffers;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// Saves <see cref="WatcherStateFile"/> into two slot files, <c>watcher-state.a.json</c> and
/// <c>watcher-state.b.json</c>, written alternately in place (one <c>pwritev</c>, no temporary file, no
/// rename), each as <see cref="StateSlotFormat"/> says, padded with spaces over a longer previous content.
/// Only the older slot is ever overwritten, so the newer one is intact whatever happens: at start the valid
/// slot with the highest sequence wins. The handles stay open; buffers are reused. Its helpers:
/// <see cref="StateDiskReservation"/> (room at start), <see cref="CorruptStateFiles"/> (slots that hold no
/// usable state) and <see cref="FileSync"/> (<c>Watcher:StateFsync</c>).
/// </summary>
internal sealed class StateStore : IDisposable
{
    public static readonly string[] SlotFileNames = ["watcher-state.a.json", "watcher-state.b.json"];

    private readonly ArrayBufferWriter<byte> _body = new(64 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly byte[] _prefix = new byte[StateSlotFormat.EnvelopeBytes];
    private readonly byte[] _padding = new byte[4096];
    private readonly ReadOnlyMemory<byte>[] _pieces = new ReadOnlyMemory<byte>[2];
    private readonly SafeFileHandle?[] _slots = new SafeFileHandle?[2];
    private readonly long[] _slotLength = new long[2];
    private long _sequence;
    private int _next;

    public StateStore(string directory)
    {
        Directory = directory;
        SlotPaths = [.. SlotFileNames.Select(n => System.IO.Path.Combine(directory, n))];
        _writer = new Utf8JsonWriter(_body);
        _padding.AsSpan().Fill((byte)' ');
    }

    public string Directory { get; }

    /// <summary>The two slot files.</summary>
    public IReadOnlyList<string> SlotPaths { get; }

    /// <summary>For messages: the state folder and its files.</summary>
    public string Path => System.IO.Path.Combine(Directory, "watcher-state.{a,b}.json");

    /// <summary>fsync every save (<c>Watcher:StateFsync</c>).</summary>
    public bool FlushToDisk { get; init; }

    /// <summary>Not thread-safe: one saver at a time.</summary>
    public void Save(WatcherStateFile state)
    {
        _body.ResetWrittenCount();
        _writer.Reset(_body);
        JsonSerializer.Serialize(_writer, state, WatcherStateJsonContext.Default.WatcherStateFile);
        _writer.Flush();
        long sequence = _sequence + 1;
        int prefixLength = StateSlotFormat.WritePrefix(_prefix, sequence, _body.WrittenSpan);
        // The slot's end goes into the body's buffer, after the state.
        StateSlotFormat.Suffix.CopyTo(_body.GetSpan(StateSlotFormat.Suffix.Length));
        _body.Advance(StateSlotFormat.Suffix.Length);

        int slot = _next;
        SafeFileHandle handle = OpenSlot(slot);
        long length = prefixLength + _body.WrittenCount;
        _pieces[0] = _prefix.AsMemory(0, prefixLength);
        _pieces[1] = _body.WrittenMemory;
        RandomAccess.Write(handle, _pieces, 0);
        // Blank out the end of a longer previous save, so the file reads as one clean object.
        for (long at = length; at < _slotLength[slot]; at += _padding.Length)
        {
            RandomAccess.Write(handle, _padding.AsSpan(0, (int)Math.Min(_padding.Length, _slotLength[slot] - at)), at);
        }
        _slotLength[slot] = Math.Max(length, _slotLength[slot]);
        if (FlushToDisk)
        {
            // The kernel has the bytes after the write: enough to survive SIGKILL, OOM kills and container restarts.
            FileSync.DataSync(handle);
        }
        _sequence = sequence;
        _next = 1 - slot;
    }

    /// <summary>
    /// The newest saved state; null when there is none. When slots exist but none holds a valid state,
    /// they are moved aside (<c>.corrupt</c>) and <paramref name="problem"/> says why.
    /// </summary>
    public WatcherStateFile? Load(out string? problem)
    {
        problem = null;
        var problems = new List<string>();
        if (ReadNewest(problems) is { } state)
        {
            return state;
        }
        if (problems.Count == 0)
        {
            return null; // nothing saved yet
        }
        problem = string.Join("; ", problems);
        string? moveProblem = MoveAside();
        if (moveProblem is not null)
        {
            problem += $" (and it could not be moved aside: {moveProblem})";
        }
        return null;
    }

    /// <summary>Moves both slots aside to <c>NAME.corrupt</c> (a state that reads but is invalid); returns what failed, or null.</summary>
    public string? MoveAside()
    {
        CloseSlots();
        Array.Clear(_slotLength);
        return CorruptStateFiles.MoveAside(SlotPaths);
    }

    public void Dispose()
    {
        CloseSlots();
        _writer.Dispose();
    }

    private WatcherStateFile? ReadNewest(List<string> problems)
    {
        WatcherStateFile? best = null;
        for (int slot = 0; slot < 2; slot++)
        {
            if (!File.Exists(SlotPaths[slot]))
            {
                continue;
            }
            try
            {
                byte[] bytes = File.ReadAllBytes(SlotPaths[slot]);
                _slotLength[slot] = bytes.Length;
                if (bytes.Length == 0)
                {
                    continue; // created, then stopped before its first write
                }
                if (StateSlotFormat.Read(bytes, out long sequence, out string? slotProblem) is { } state)
                {
                    if (best is null || sequence > _sequence)
                    {
                        best = state;
                        _sequence = sequence;
                        _next = 1 - slot;
                    }
                }
                else
                {
                    problems.Add($"{SlotFileNames[slot]}: {slotProblem}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{SlotFileNames[slot]} cannot be read: {e.Message}");
            }
        }
        if (best is not null)
        {
            // A torn slot (a crash while writing it) is normal: it is the next one written.
            problems.Clear();
        }
        return best;
    }

    private SafeFileHandle OpenSlot(int slot)
    {
        SafeFileHandle? handle = _slots[slot];
        if (handle is not null && !IsStillAtPath(handle, SlotPaths[slot]))
        {
            // Deleted or replaced under us: writing on would save into a file nobody reads.
            handle.Dispose();
            handle = null;
            _slotLength[slot] = 0;
        }
        if (handle is null)
        {
            handle = File.OpenHandle(SlotPaths[slot], FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            _slotLength[slot] = RandomAccess.GetLength(handle);
            _slots[slot] = handle;
        }
        return handle;
    }

    private static bool IsStillAtPath(SafeFileHandle handle, string path)
    {
        FileStatus? atPath = FileStatus.OfPath(path);
        if (atPath is null)
        {
            return false;
        }
        FileStatus open = FileStatus.OfHandle(handle);
        return atPath.Value.Id == open.Id;
    }

    private void CloseSlots()
    {
        for (int slot = 0; slot < 2; slot++)
        {
            _slots[slot]?.Dispose();
            _slots[slot] = null;
        }
    }
}
