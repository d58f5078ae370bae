using System.Buffers;
using System.Buffers.Text;
using System.IO.Hashing;
using System.Text.Json;

namespace Sidecars.Watcher.State;

/// <summary>
/// What one slot file holds: <c>{"Sequence":N,"Checksum":"...","State":{...}}</c>, the checksum being XxHash64 of
/// the <c>State</c> bytes, so a slot torn by a crash mid-write shows. Pure: bytes in, bytes out.
/// </summary>
internal static class StateSlotFormat
{
    /// <summary>What a slot holds besides the state itself: <c>{"Sequence":N,"Checksum":"...","State":</c>, <c>}</c> and a newline.</summary>
    public const int EnvelopeBytes = 128;

    private static ReadOnlySpan<byte> SequenceProperty => "Sequence"u8;
    private static ReadOnlySpan<byte> ChecksumProperty => "Checksum"u8;
    private static ReadOnlySpan<byte> StateProperty => "State"u8;

    /// <summary>The end of a slot, after the state: the object's closing brace and a newline.</summary>
    public static ReadOnlySpan<byte> Suffix => "}\n"u8;

    /// <summary>Writes the start of a slot, up to the state, into <paramref name="to"/> (at least <see cref="EnvelopeBytes"/>); returns its length.</summary>
    public static int WritePrefix(Span<byte> to, long sequence, ReadOnlySpan<byte> state)
    {
        int n = 0;
        Put("{\"Sequence\":"u8, to, ref n);
        Utf8Formatter.TryFormat(sequence, to[n..], out int written);
        n += written;
        Put(",\"Checksum\":\""u8, to, ref n);
        Utf8Formatter.TryFormat(XxHash64.HashToUInt64(state), to[n..], out written, new StandardFormat('x', 16));
        n += written;
        Put("\",\"State\":"u8, to, ref n);
        return n;

        static void Put(ReadOnlySpan<byte> text, Span<byte> to, ref int at)
        {
            text.CopyTo(to[at..]);
            at += text.Length;
        }
    }

    /// <summary>The state a slot holds and its sequence; null with a <paramref name="problem"/> when it is torn, damaged or of another version.</summary>
    public static WatcherStateFile? Read(ReadOnlySpan<byte> bytes, out long sequence, out string? problem)
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
}
