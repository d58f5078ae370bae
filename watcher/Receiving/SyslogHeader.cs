namespace Sidecars.Watcher.Receiving;

/// <summary>
/// Finds the message in a syslog datagram as nginx's <c>access_log syslog:</c> writes it (RFC 3164):
/// <c>&lt;PRI&gt;Mmm dd hh:mm:ss HOSTNAME TAG: MESSAGE</c>, or without <c>HOSTNAME</c> (<c>nohostname</c>).
/// Tolerant where senders differ (a <c>TAG[pid]:</c>, a trailing newline), strict enough that a datagram that is
/// not syslog is told apart. Pure: no I/O, allocates nothing.
/// </summary>
internal static class SyslogHeader
{
    /// <summary>The longest hostname or tag taken (RFC 3164 caps the tag at 32; hostnames at 255).</summary>
    public const int MaxTokenBytes = 255;

    /// <summary>
    /// True with the message's range in <paramref name="datagram"/> (without a trailing <c>\n</c>) when it starts with
    /// a syslog header; false when it is not syslog (no or a bad PRI, no timestamp, no <c>TAG:</c>).
    /// </summary>
    public static bool TryFindMessage(ReadOnlySpan<byte> datagram, out Range message)
    {
        message = default;
        // <PRI>: 1 to 3 digits, at most 191 (facility 23, severity 7).
        if (datagram.Length < 2 || datagram[0] != (byte)'<')
        {
            return false;
        }
        int i = 1, pri = 0;
        while (i < datagram.Length && i <= 3 && IsDigit(datagram[i]))
        {
            pri = (pri * 10) + (datagram[i] - '0');
            i++;
        }
        if (i == 1 || i >= datagram.Length || datagram[i] != (byte)'>' || pri > 191)
        {
            return false;
        }
        i++;
        // TIMESTAMP: "Mmm dd hh:mm:ss" (a day below 10 with a space before it), then a space.
        var rest = datagram[i..];
        if (rest.Length < 16 || !IsTimestamp(rest[..15]) || rest[15] != (byte)' ')
        {
            return false;
        }
        i += 16;
        // HOSTNAME SP TAG ":" SP, or TAG ":" SP: the first token ending in ':' is the tag.
        for (int token = 0; token < 2; token++)
        {
            int space = datagram[i..].IndexOf((byte)' ');
            if (space <= 0 || space > MaxTokenBytes)
            {
                return false;
            }
            if (datagram[i + space - 1] == (byte)':')
            {
                int start = i + space + 1;
                int end = datagram.Length;
                if (end > start && datagram[end - 1] == (byte)'\n')
                {
                    end--;
                }
                message = start..end;
                return true;
            }
            i += space + 1;
        }
        return false;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool IsLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    private static bool IsTimestamp(ReadOnlySpan<byte> t) =>
        IsLetter(t[0]) && IsLetter(t[1]) && IsLetter(t[2]) && t[3] == (byte)' '
        && (t[4] == (byte)' ' || IsDigit(t[4])) && IsDigit(t[5]) && t[6] == (byte)' '
        && IsDigit(t[7]) && IsDigit(t[8]) && t[9] == (byte)':' && IsDigit(t[10]) && IsDigit(t[11])
        && t[12] == (byte)':' && IsDigit(t[13]) && IsDigit(t[14]);
}
