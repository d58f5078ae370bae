using System.Buffers;
using System.Buffers.Text;
using System.IO.Hashing;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.State;

/// <summary>
/// Saves <see cref="WatcherStateFile"/> into two slot files, <c>watcher-state.a.json</c> and
/// <c>watcher-state.b.json</c>, written alternately in place (one <c>pwritev</c>, no temporary file, no
/// rename). Each slot holds one JSON object, <c>{"Sequence":N,"Checksum":"...","State":{...}}</c>, padded
/// with spaces over a longer previous content; the checksum (XxHash64 of the <c>State</c> bytes) exposes a
/// slot torn by a crash mid-write. Only the older slot is ever overwritten, so the newer one is intact
/// whatever happens: at start the valid slot with the highest sequence wins. The handles stay open; buffers
/// are reused.
/// </summary>
internal sealed class StateStore : IDisposable
{
    public static readonly string[] SlotFileNames = ["watcher-state.a.json", "watcher-state.b.json"];

    /// <summary>What a slot holds besides the state itself: <c>{"Sequence":N,"Checksum":"...","State":</c>, <c>}</c> and a newline.</summary>
    public const int EnvelopeBytes = 128;

    private static ReadOnlySpan<byte> SequenceProperty => "Sequence"u8;
    private static ReadOnlySpan<byte> ChecksumProperty => "Checksum"u8;
    private static ReadOnlySpan<byte> StateProperty => "State"u8;

    private readonly ArrayBufferWriter<byte> _body = new(64 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly byte[] _prefix = new byte[128];
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
        ReadOnlySpan<byte> body = _body.WrittenSpan;
        long sequence = _sequence + 1;
        int prefixLength = WritePrefix(sequence, XxHash64.HashToUInt64(body));
        // The object's closing brace and a newline go into the body's buffer, after the state.
        "}\n"u8.CopyTo(_body.GetSpan(2));
        _body.Advance(2);

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
            // The kernel has the bytes after the write: enough to survive SIGKILL, OOM kills and container
            // restarts. fdatasync (survives power loss too) costs ~100 ms at p99 on this kind of disk.
            SyncToDisk(handle);
        }
        _sequence = sequence;
        _next = 1 - slot;
    }

    /// <summary>
    /// The newest saved state; null when there is none. When files exist but none holds a valid state,
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
                if (ReadSlot(bytes, out long sequence, out string? slotProblem) is { } state)
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

    /// <summary>
    /// Reserves <paramref name="bytes"/> of disk for each slot file in <paramref name="directory"/> (fallocate with
    /// FALLOC_FL_KEEP_SIZE: the files stay as they are, the blocks are theirs), so saves cannot run out of room
    /// later. Returns what failed, or null; file systems without fallocate are not reserved on, and that is fine.
    /// </summary>
    public static string? Reserve(string directory, long bytes)
    {
        foreach (string name in SlotFileNames)
        {
            string path = System.IO.Path.Combine(directory, name);
            try
            {
                using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                bool added = false;
                try
                {
                    handle.DangerousAddRef(ref added);
                    int error = LibC.FAllocate((int)handle.DangerousGetHandle(), LibC.FallocateKeepSize, 0, bytes);
                    if (error != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() is var errno && errno != LibC.EOPNOTSUPP)
                    {
                        return errno == LibC.ENOSPC ? "no room" : $"fallocate failed (errno {errno})";
                    }
                }
                finally
                {
                    if (added)
                    {
                        handle.DangerousRelease();
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return e.Message;
            }
        }
        return null;
    }

    /// <summary>Moves every state file aside to <c>NAME.corrupt</c>; returns what failed, or null.</summary>
    public string? MoveAside()
    {
        string? failure = null;
        CloseSlots();
        foreach (string path in SlotPaths)
        {
            try
            {
                if (File.Exists(path))
                {
                    File.Move(path, path + ".corrupt", overwrite: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failure = e.Message;
            }
        }
        Array.Clear(_slotLength);
        return failure;
    }

    public void Dispose()
    {
        CloseSlots();
        _writer.Dispose();
    }

    private static WatcherStateFile? ReadSlot(ReadOnlySpan<byte> bytes, out long sequence, out string? problem)
    {
        sequence = -1;
        ulong? checksum = null;
        int stateStart = -1, stateEnd = -1;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = false });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "not a JSON object";
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(SequenceProperty))
                {
                    reader.Read();
                    sequence = reader.GetInt64();
                }
                else if (reader.ValueTextEquals(ChecksumProperty))
                {
                    reader.Read();
                    checksum = ulong.TryParse(reader.GetString(), System.Globalization.NumberStyles.HexNumber, null, out ulong c) ? c : null;
                }
                else if (reader.ValueTextEquals(StateProperty))
                {
                    reader.Read();
                    stateStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    stateEnd = (int)reader.BytesConsumed;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            problem = "torn or not JSON (a crash while it was written?)";
            return null;
        }
        if (sequence < 0 || checksum is null || stateStart < 0)
        {
            problem = "Sequence, Checksum or State missing";
            return null;
        }
        ReadOnlySpan<byte> state = bytes[stateStart..stateEnd];
        if (XxHash64.HashToUInt64(state) != checksum)
        {
            problem = "checksum mismatch (a crash while it was written?)";
            return null;
        }
        return Deserialize(state, out problem);
    }

    /// <summary>A state of the current version; null with a problem otherwise.</summary>
    private static WatcherStateFile? Deserialize(ReadOnlySpan<byte> json, out string? problem)
    {
        try
        {
            int version = VersionOf(json);
            if (version != WatcherStateFile.CurrentVersion)
            {
                problem = $"unknown version {version} (expected {WatcherStateFile.CurrentVersion})";
                return null;
            }
            WatcherStateFile? state = JsonSerializer.Deserialize(json, WatcherStateJsonContext.Default.WatcherStateFile);
            problem = state is null ? "the file holds null" : null;
            return state;
        }
        catch (JsonException e)
        {
            problem = $"invalid JSON: {e.Message}";
            return null;
        }
    }

    /// <summary>The top-level <c>Version</c> number, or -1 when there is none (an object without it, or no object).</summary>
    private static int VersionOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return reader.TokenType == JsonTokenType.Null ? WatcherStateFile.CurrentVersion : -1;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isVersion = reader.ValueTextEquals("Version"u8);
            reader.Read();
            if (isVersion)
            {
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int version) ? version : -1;
            }
            reader.Skip();
        }
        return -1;
    }

    private int WritePrefix(long sequence, ulong checksum)
    {
        Span<byte> p = _prefix;
        int n = 0;
        void Put(ReadOnlySpan<byte> text, Span<byte> to, ref int at)
        {
            text.CopyTo(to[at..]);
            at += text.Length;
        }
        Put("{\"Sequence\":"u8, p, ref n);
        Utf8Formatter.TryFormat(sequence, p[n..], out int written);
        n += written;
        Put(",\"Checksum\":\""u8, p, ref n);
        Utf8Formatter.TryFormat(checksum, p[n..], out written, new StandardFormat('x', 16));
        n += written;
        Put("\",\"State\":"u8, p, ref n);
        return n;
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
        return atPath.Value.Device == open.Device && atPath.Value.Inode == open.Inode;
    }

    private static void SyncToDisk(SafeFileHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (LibC.FDataSync((int)handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fdatasync failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
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
