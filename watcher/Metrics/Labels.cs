namespace Sidecars.Watcher.Metrics;

/// <summary>The <c>method</c> label: the standard verbs compared as bytes (case-sensitive, as HTTP is), else <c>other</c>.</summary>
internal static class HttpMethods
{
    public static readonly string[] Names = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "other"];

    public const int Other = 9;
    public const int Count = 10;

    public static int Index(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => 0,
        3 when method.SequenceEqual("PUT"u8) => 3,
        4 when method.SequenceEqual("HEAD"u8) => 1,
        4 when method.SequenceEqual("POST"u8) => 2,
        5 when method.SequenceEqual("TRACE"u8) => 7,
        5 when method.SequenceEqual("PATCH"u8) => 8,
        6 when method.SequenceEqual("DELETE"u8) => 4,
        7 when method.SequenceEqual("CONNECT"u8) => 5,
        7 when method.SequenceEqual("OPTIONS"u8) => 6,
        _ => Other,
    };

    public static int Index(string name) => Array.IndexOf(Names, name) is var i and >= 0 ? i : Other;
}

/// <summary>The <c>status</c> label: 100..599 as a number, anything else <c>other</c> (stored as 0).</summary>
internal static class StatusLabel
{
    public const int Other = 0;

    public static int Normalize(int status) => status is >= 100 and <= 599 ? status : Other;

    public static string Name(int status) => status == Other ? "other" : status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The id of a saved status value (<c>other</c> for anything but 100 to 599).</summary>
    public static int Index(string name) =>
        int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int status) ? Normalize(status) : Other;

    /// <summary>With <c>Watcher:StatusClasses</c>: 100..599 become 1..5 (<c>1xx</c>..<c>5xx</c>), anything else <c>other</c>.</summary>
    public static int Class(int status) => status is >= 100 and <= 599 ? status / 100 : Other;

    public static string ClassName(int id) => id is >= 1 and <= 5 ? $"{id}xx" : "other";

    public static int ClassIndex(string name) => name is [>= '1' and <= '5', 'x', 'x'] ? name[0] - '0' : Other;
}

/// <summary>The <c>cache_status</c> label: nginx's fixed <c>$upstream_cache_status</c> values, else <c>other</c>.</summary>
internal static class CacheStatuses
{
    public static readonly string[] Names = ["HIT", "MISS", "BYPASS", "EXPIRED", "STALE", "UPDATING", "REVALIDATED", "other"];

    public const int Other = 7;

    public static int Index(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("HIT"u8) => 0,
        _ when value.SequenceEqual("MISS"u8) => 1,
        _ when value.SequenceEqual("BYPASS"u8) => 2,
        _ when value.SequenceEqual("EXPIRED"u8) => 3,
        _ when value.SequenceEqual("STALE"u8) => 4,
        _ when value.SequenceEqual("UPDATING"u8) => 5,
        _ when value.SequenceEqual("REVALIDATED"u8) => 6,
        _ => Other,
    };
}
