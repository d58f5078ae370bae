using System.Buffers;

namespace Sidecars.Watcher.Parsing;

/// <summary>Allocation-free readers for the values nginx logs: sizes, seconds, upstream time lists and the request line.</summary>
internal static class FieldValues
{
    /// <summary>RFC 9110 <c>tchar</c>: what an HTTP method may consist of.</summary>
    private static readonly SearchValues<byte> s_tokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly double[] s_powersOf10 =
        [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18];

    /// <summary>Digits only, 1 to 18 of them (no sign, no spaces).</summary>
    public static bool TryParseInteger(ReadOnlySpan<byte> value, out long result)
    {
        result = 0;
        if (value.IsEmpty || value.Length > 18)
        {
            return false;
        }

        foreach (byte b in value)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            result = (result * 10) + digit;
        }

        return true;
    }

    /// <summary>Seconds as nginx writes them: <c>12</c>, <c>0.123</c> (at most 18 digits in all).</summary>
    public static bool TryParseSeconds(ReadOnlySpan<byte> value, out double seconds)
    {
        seconds = 0;
        int dot = value.IndexOf((byte)'.');
        if (dot < 0)
        {
            bool whole = TryParseInteger(value, out long integer);
            seconds = integer;
            return whole;
        }

        if (!TryParseInteger(value[..dot], out long integerPart))
        {
            return false;
        }

        ReadOnlySpan<byte> fraction = value[(dot + 1)..];
        if (!TryParseInteger(fraction, out long fractionPart) || dot + fraction.Length > 18)
        {
            return false;
        }

        seconds = integerPart + (fractionPart / s_powersOf10[fraction.Length]);
        return true;
    }

    /// <summary>
    /// <c>$upstream_*_time</c>: values separated by <c>", "</c> (servers tried in turn) and <c>" : "</c>
    /// (an internal redirect to another group), all added up; <c>-</c> entries are skipped; NaN when all are <c>-</c>.
    /// </summary>
    public static bool TryParseUpstreamSeconds(ReadOnlySpan<byte> value, out double sum)
    {
        sum = 0;
        bool any = false;
        while (true)
        {
            int separator = value.IndexOfAny((byte)',', (byte)':');
            ReadOnlySpan<byte> item = (separator < 0 ? value : value[..separator]).Trim((byte)' ');
            if (item.Length == 1 && item[0] == (byte)'-')
            {
                // A server that was not reached (or no time for it).
            }
            else if (TryParseSeconds(item, out double seconds))
            {
                sum += seconds;
                any = true;
            }
            else
            {
                return false;
            }

            if (separator < 0)
            {
                break;
            }

            value = value[(separator + 1)..];
        }

        if (!any)
        {
            sum = double.NaN;
        }

        return true;
    }

    /// <summary>True for a non-empty HTTP token (what a method looks like).</summary>
    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(s_tokenChars);

    /// <summary>
    /// <c>$request</c> into Method, Path and Protocol. nginx logs what the client sent: <c>METHOD TARGET PROTOCOL</c>
    /// normally; a bare word, <c>-</c>, nothing, or other garbage for requests it rejected (those still parse: Method
    /// is the first word when it is a token, no Path). A target with spaces is accepted when the last word is
    /// <c>HTTP/...</c>. Fails (<see cref="ParseFailure.BadRequest"/>) only for a request-line shape whose method is not a token.
    /// </summary>
    public static bool SplitRequest(ReadOnlySpan<byte> value, int position, string element, ref AccessLogRecord record, out ParseError error)
    {
        error = default;
        if (value.IsEmpty || (value.Length == 1 && value[0] == (byte)'-'))
        {
            return true;
        }

        int first = value.IndexOf((byte)' ');
        int last = first < 0 ? -1 : value.LastIndexOf((byte)' ');
        ReadOnlySpan<byte> method = first < 0 ? value : value[..first];
        if (first == last)
        {
            // One or two words: a bare method, garbage, or HTTP/0.9's "GET /" (no protocol, not counted as a path).
            if (IsToken(method))
            {
                record.Method = method;
            }

            return true;
        }

        ReadOnlySpan<byte> target = value[(first + 1)..last];
        ReadOnlySpan<byte> protocol = value[(last + 1)..];
        if (target.Contains((byte)' ') && !protocol.StartsWith("HTTP/"u8))
        {
            if (IsToken(method))
            {
                record.Method = method;
            }

            return true;
        }

        if (!IsToken(method) || target.IsEmpty)
        {
            error = new ParseError(ParseFailure.BadRequest, element, position) { Length = value.Length };
            return false;
        }

        record.Method = method;
        record.Path = target;
        record.Protocol = protocol;
        return true;
    }
}
