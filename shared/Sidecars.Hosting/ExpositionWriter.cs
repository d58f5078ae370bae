using System.Buffers;
using System.Globalization;
using System.Text;

namespace Sidecars.Hosting;

/// <summary>
/// Writes the Prometheus text format 0.0.4 in UTF-8 straight into a buffer writer: no string per line, no
/// character buffer to encode afterwards. Names and already-rendered label text go in as they are, label values
/// and HELP texts escaped, numbers in the invariant culture (integers without exponent, other doubles in their
/// shortest round-trip form). Call <see cref="Flush"/> when done.
/// </summary>
public ref struct ExpositionWriter(IBufferWriter<byte> output)
{
    private const int MinChunk = 4096;
    private Span<byte> _span;
    private int _at;

    /// <summary><c># HELP</c> (backslash and newline escaped) and <c># TYPE</c> lines.</summary>
    public void Header(string name, string help, string type)
    {
        Raw("# HELP ");
        Raw(name);
        Raw(" ");
        Escape(help, escapeQuotes: false);
        Raw("\n# TYPE ");
        Raw(name);
        Raw(" ");
        Raw(type);
        Raw("\n");
    }

    /// <summary>A whole family of one sample without labels: HELP, TYPE and <c>name value</c>.</summary>
    public void Family(string name, string type, string help, double value)
    {
        SampleOf(name, type, help);
        Value(value);
        Raw("\n");
    }

    /// <summary>A whole family of one integer sample without labels.</summary>
    public void Family(string name, string type, string help, long value)
    {
        SampleOf(name, type, help);
        Value(value);
        Raw("\n");
    }

    private void SampleOf(string name, string type, string help)
    {
        Header(name, help, type);
        Raw(name);
        Raw(" ");
    }

    /// <summary>Text written as it is (a name, a rendered label set).</summary>
    public void Raw(ReadOnlySpan<char> text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _at += Encoding.UTF8.GetBytes(text, _span[_at..]);
    }

    /// <summary>UTF-8 bytes written as they are.</summary>
    public void Raw(ReadOnlySpan<byte> utf8)
    {
        Ensure(utf8.Length);
        utf8.CopyTo(_span[_at..]);
        _at += utf8.Length;
    }

    /// <summary>A label value with <c>\</c>, <c>"</c> and newline escaped.</summary>
    public void Escaped(string value) => Escape(value, escapeQuotes: true);

    /// <summary>An integer in the invariant culture.</summary>
    public void Value(long value)
    {
        Ensure(24);
        value.TryFormat(_span[_at..], out int written, default, CultureInfo.InvariantCulture);
        _at += written;
    }

    /// <summary>Integral values without exponent or decimals; others in the shortest round-trip form.</summary>
    public void Value(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            Raw("+Inf");
        }
        else if (double.IsNegativeInfinity(value))
        {
            Raw("-Inf");
        }
        else if (double.IsNaN(value))
        {
            Raw("NaN");
        }
        else if (value == Math.Floor(value) && Math.Abs(value) < 1e17)
        {
            Value((long)value);
        }
        else
        {
            Ensure(32);
            value.TryFormat(_span[_at..], out int written, "R", CultureInfo.InvariantCulture);
            _at += written;
        }
    }

    /// <summary>Hands what was written to the output; the writer can go on after it.</summary>
    public void Flush()
    {
        if (_at > 0)
        {
            output.Advance(_at);
        }
        _span = default;
        _at = 0;
    }

    /// <summary>Runs without anything to escape go in whole; backslash, newline and (in label values) quote are escaped.</summary>
    private void Escape(ReadOnlySpan<char> text, bool escapeQuotes)
    {
        while (true)
        {
            int at = escapeQuotes ? text.IndexOfAny('\\', '"', '\n') : text.IndexOfAny('\\', '\n');
            if (at < 0)
            {
                Raw(text);
                return;
            }
            Raw(text[..at]);
            Raw(text[at] switch
            {
                '\\' => @"\\",
                '"' => "\\\"",
                _ => @"\n",
            });
            text = text[(at + 1)..];
        }
    }

    private void Ensure(int bytes)
    {
        if (_span.Length - _at >= bytes)
        {
            return;
        }
        Flush();
        _span = output.GetSpan(Math.Max(bytes, MinChunk));
    }
}
