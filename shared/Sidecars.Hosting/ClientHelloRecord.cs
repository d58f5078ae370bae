using System.Buffers;

namespace Sidecars.Hosting;

/// <summary>
/// Whether the first TLS record of a connection, the one with the ClientHello, has arrived whole. Until it has,
/// the connection waits in the transport's buffer and nothing of TLS is set up for it: SslStream would rent a
/// buffer for the whole record the header announces (16 KiB, in a 32 KiB array) and hold it however few bytes
/// follow. Pure: no I/O.
/// </summary>
internal static class ClientHelloRecord
{
    /// <summary>The record header: content type, version, length.</summary>
    private const int HeaderBytes = 5;

    private const byte Handshake = 0x16;

    /// <summary>
    /// Received bytes beyond which the handshake goes on anyway: the transport stops reading at 16 KiB of unread
    /// bytes (<see cref="HttpLimits.MaxRequestBufferBytes"/>), so a record of the largest size would never be seen
    /// whole here. A real ClientHello is a few hundred bytes to 2 KiB.
    /// </summary>
    public const int EnoughBytes = 8 * 1024;

    /// <summary>
    /// True when the handshake may go on with <paramref name="received"/>: the first record is whole, or it is not
    /// a handshake record at all (SslStream turns it down at once), or enough bytes are there anyway.
    /// </summary>
    public static bool HasArrived(in ReadOnlySequence<byte> received)
    {
        if (received.Length >= EnoughBytes)
        {
            return true;
        }
        if (received.Length < HeaderBytes)
        {
            return received.Length > 0 && received.FirstSpan[0] != Handshake;
        }
        Span<byte> header = stackalloc byte[HeaderBytes];
        received.Slice(0, HeaderBytes).CopyTo(header);
        if (header[0] != Handshake)
        {
            return true;
        }
        int length = (header[3] << 8) | header[4];
        return received.Length >= HeaderBytes + length;
    }
}
