using System.Text;
using System.Text.RegularExpressions;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Tests.Watcher.Parsing;

/// <summary>Writes a log line the way nginx does: each variable's value escaped for the format's escape mode.</summary>
internal static partial class NginxLogWriter
{
    /// <summary>Renders <paramref name="format"/>; <paramref name="valueOf"/> returns raw bytes or null for "not found".</summary>
    public static byte[] Render(LogFormat format, Func<string, byte[]?> valueOf)
    {
        var line = new List<byte>();
        int at = 0;
        foreach (Match match in Variable().Matches(format.Text))
        {
            line.AddRange(Encoding.UTF8.GetBytes(format.Text[at..match.Index]));
            line.AddRange(Escape(valueOf(match.Groups[1].Value.ToLowerInvariant()), format.Escape));
            at = match.Index + match.Length;
        }

        line.AddRange(Encoding.UTF8.GetBytes(format.Text[at..]));
        return [.. line];
    }

    /// <summary>nginx's ngx_http_log_escape (default), ngx_escape_json (json) or nothing; "not found" is "-" except with json (empty).</summary>
    public static byte[] Escape(byte[]? value, LogEscape escape)
    {
        if (value is null)
        {
            return escape == LogEscape.Json ? [] : "-"u8.ToArray();
        }

        var output = new List<byte>(value.Length);
        foreach (byte b in value)
        {
            switch (escape)
            {
                case LogEscape.Default when b is (byte)'"' or (byte)'\\' or < 0x20 or >= 0x7F:
                    output.AddRange(Encoding.ASCII.GetBytes($"\\x{b:X2}"));
                    break;
                case LogEscape.Json when b is (byte)'"' or (byte)'\\':
                    output.Add((byte)'\\');
                    output.Add(b);
                    break;
                case LogEscape.Json when b < 0x20:
                    output.AddRange(Encoding.ASCII.GetBytes(b switch
                    {
                        (byte)'\n' => "\\n",
                        (byte)'\r' => "\\r",
                        (byte)'\t' => "\\t",
                        (byte)'\b' => "\\b",
                        (byte)'\f' => "\\f",
                        _ => $"\\u00{b:x2}",
                    }));
                    break;
                default:
                    output.Add(b);
                    break;
            }
        }

        return [.. output];
    }

    [GeneratedRegex(@"\$\{?([A-Za-z0-9_]+)\}?")]
    private static partial Regex Variable();
}
