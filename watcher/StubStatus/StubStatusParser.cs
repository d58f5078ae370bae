using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Sidecars.Watcher.StubStatus;

/// <summary>
/// Reads the page nginx's <c>stub_status</c> writes (ngx_http_stub_status_module, unchanged since nginx 1.x;
/// every line but the second ends with a space):
/// <code>
/// Active connections: 21
/// server accepts handled requests
///  92 92 81198
/// Reading: 0 Writing: 1 Waiting: 20
/// </code>
/// Pure: no I/O, no clock. The words must come in this order; any whitespace may separate them. Numbers are
/// unsigned decimals that fit 64 bits. The Waiting line must end with a newline, so a response cut anywhere
/// fails instead of giving a shorter number; lines after it are ignored (an nginx that adds some still
/// reads). Anything else is a problem that names the byte where it was found.
/// </summary>
internal static class StubStatusParser
{
    /// <summary>Longer numbers cannot fit a long (19 digits: up to 9,223,372,036,854,775,807).</summary>
    private const int MaxDigits = 19;

    public static bool TryParse(
        ReadOnlySpan<byte> text, [NotNullWhen(true)] out StubStatusValues? values, [NotNullWhen(false)] out string? problem)
    {
        values = null;
        var reader = new Reader(text);
        if (!reader.Word("Active"u8, out problem)
            || !reader.Word("connections:"u8, out problem)
            || !reader.Number(out long active, out problem)
            || !reader.Word("server"u8, out problem)
            || !reader.Word("accepts"u8, out problem)
            || !reader.Word("handled"u8, out problem)
            || !reader.Word("requests"u8, out problem)
            || !reader.Number(out long accepted, out problem)
            || !reader.Number(out long handled, out problem)
            || !reader.Number(out long requests, out problem)
            || !reader.Word("Reading:"u8, out problem)
            || !reader.Number(out long reading, out problem)
            || !reader.Word("Writing:"u8, out problem)
            || !reader.Number(out long writing, out problem)
            || !reader.Word("Waiting:"u8, out problem)
            || !reader.Number(out long waiting, out problem)
            || !reader.EndOfLine(out problem))
        {
            return false;
        }
        values = new StubStatusValues(active, accepted, handled, requests, reading, writing, waiting);
        return true;
    }

    private ref struct Reader(ReadOnlySpan<byte> text)
    {
        private readonly ReadOnlySpan<byte> _text = text;
        private int _at;

        /// <summary>The next word, after whitespace, must be <paramref name="expected"/>.</summary>
        public bool Word(ReadOnlySpan<byte> expected, [NotNullWhen(false)] out string? problem)
        {
            var word = Next(out int start);
            if (word.SequenceEqual(expected))
            {
                problem = null;
                return true;
            }
            problem = word.IsEmpty
                ? $"it ends at byte {start}, before \"{Encoding.ASCII.GetString(expected)}\""
                : $"expected \"{Encoding.ASCII.GetString(expected)}\" at byte {start}, found \"{Excerpt(word)}\"";
            return false;
        }

        /// <summary>The next word, after whitespace, must be an unsigned decimal that fits a long.</summary>
        public bool Number(out long value, [NotNullWhen(false)] out string? problem)
        {
            value = 0;
            var word = Next(out int start);
            if (word.IsEmpty)
            {
                problem = $"it ends at byte {start}, before a number";
                return false;
            }
            if (word.Length > MaxDigits)
            {
                problem = $"the number at byte {start} has more than {MaxDigits} digits";
                return false;
            }
            foreach (byte b in word)
            {
                int digit = b - '0';
                if (digit is < 0 or > 9)
                {
                    problem = $"expected a number at byte {start}, found \"{Excerpt(word)}\"";
                    return false;
                }
                if (value > (long.MaxValue - digit) / 10)
                {
                    problem = $"the number at byte {start} does not fit 64 bits";
                    return false;
                }
                value = (value * 10) + digit;
            }
            problem = null;
            return true;
        }

        /// <summary>Only spaces, tabs or a carriage return may follow on this line, and the line must end.</summary>
        public bool EndOfLine([NotNullWhen(false)] out string? problem)
        {
            while (_at < _text.Length && _text[_at] is (byte)' ' or (byte)'\t' or (byte)'\r')
            {
                _at++;
            }
            if (_at == _text.Length)
            {
                problem = $"it ends at byte {_at} without the newline of its last line (cut short?)";
                return false;
            }
            if (_text[_at] != '\n')
            {
                problem = $"unexpected \"{Excerpt(_text[_at..])}\" at byte {_at}, after the Waiting count";
                return false;
            }
            problem = null;
            return true;
        }

        /// <summary>Skips whitespace and returns the word that follows (empty at the end); <paramref name="start"/> is its byte.</summary>
        private ReadOnlySpan<byte> Next(out int start)
        {
            while (_at < _text.Length && IsSpace(_text[_at]))
            {
                _at++;
            }
            start = _at;
            while (_at < _text.Length && !IsSpace(_text[_at]))
            {
                _at++;
            }
            return _text[start.._at];
        }

        private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
    }

    /// <summary>At most 24 bytes, printable ASCII as it is and the rest as <c>\xNN</c>: a hostile page never floods a log line.</summary>
    private static string Excerpt(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(32);
        foreach (byte b in bytes[..Math.Min(bytes.Length, 24)])
        {
            if (b is >= 0x20 and < 0x7f and not (byte)'"' and not (byte)'\\')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return bytes.Length > 24 ? text.Append("...").ToString() : text.ToString();
    }
}
