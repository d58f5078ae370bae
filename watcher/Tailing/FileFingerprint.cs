namespace Sidecars.Watcher.Tailing;

/// <summary>
/// 64-bit FNV-1a over a file's first <see cref="MaxLength"/> bytes. FNV-1a's state is its value, so a
/// fingerprint of a short file is extended as the file grows by hashing only the new bytes.
/// </summary>
internal static class FileFingerprint
{
    public const int MaxLength = 1024;
    public const ulong Empty = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Extend(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }
        return hash;
    }

    public static ulong Of(ReadOnlySpan<byte> bytes) => Extend(Empty, bytes);
}
