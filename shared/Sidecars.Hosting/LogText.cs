using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sidecars.Hosting;

/// <summary>
/// How both services print values inside their log lines, one style each: durations in <c>ms</c> or
/// <c>s</c> (never <c>00:00:00.2500000</c>), booleans in lower case, free text (formats, patterns) quoted as JSON.
/// </summary>
public static class LogText
{
    /// <summary>Milliseconds below a second, seconds from there: <c>250 ms</c>, <c>0.5 ms</c>, <c>1 s</c>, <c>45 s</c>, <c>3600 s</c>.</summary>
    public static string Duration(TimeSpan duration) =>
        duration.Duration() < TimeSpan.FromSeconds(1)
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s");

    /// <summary><c>true</c> or <c>false</c>, as in the settings and in JSON.</summary>
    public static string Boolean(bool value) => value ? "true" : "false";

    /// <summary>Text in double quotes with JSON escapes, so quotes inside it stay unambiguous: <c>"\"$request\" $status"</c>.</summary>
    public static string Quoted(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "\"" + JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value + "\"";
    }
}
