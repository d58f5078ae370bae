using System.IO.Compression;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// A rotated log that logrotate compressed with gzip (<c>access.log.2.gz</c>) while the watcher was stopped:
/// it cannot be followed, but it can be read once, from a saved offset or from its start, so its lines are
/// not lost. Other compressions (bzip2, xz, zstd) are not readable here.
/// </summary>
internal static class CompressedLog
{
    public static bool IsGzip(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Decompresses up to <paramref name="head"/>'s length from the start; the number of bytes there, or -1 when it is not readable gzip.</summary>
    public static int ReadHead(string path, Span<byte> head)
    {
        try
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            int total = 0;
            int read;
            while (total < head.Length && (read = gzip.Read(head[total..])) > 0)
            {
                total += read;
            }
            return total;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Delivers every complete line after <paramref name="offset"/> (decompressed bytes) to <paramref name="sink"/>;
    /// returns the bytes of lines consumed, or -1 when the file is not readable gzip (nothing delivered then is
    /// taken back: a damaged end stops the read where it is).
    /// </summary>
    public static long Deliver(string path, long offset, ILineSink sink, int maxLineBytes, byte[] buffer)
    {
        var splitter = new LineSplitter(maxLineBytes);
        long position = 0;
        try
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                int skip = (int)Math.Clamp(offset - position, 0, read);
                position += read;
                if (skip < read)
                {
                    splitter.Push(buffer.AsSpan(skip, read - skip), sink);
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            if (position <= offset)
            {
                return -1;
            }
        }
        return Math.Max(0, position - offset - splitter.PendingBytes);
    }
}
