namespace Sidecars.Writer;

/// <summary>Resolves <see cref="WriterOptions.TimeZone"/>; UTC never needs tzdata (the chiseled image has none).</summary>
internal static class WriterTimeZone
{
    public static bool TryResolve(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        if (id is null || id.Length == 0)
        {
            zone = null;
            return false;
        }
        if (IsUtc(id))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException or IOException)
        {
            zone = null;
            return false;
        }
    }

    public static TimeZoneInfo Resolve(string id) =>
        TryResolve(id, out var zone) ? zone : throw new Sidecars.Hosting.ConfigurationException(CannotResolve(id));

    public static string CannotResolve(string? id) =>
        $"Writer:TimeZone \"{id}\" cannot be resolved (the image has no tzdata; use UTC or mount /usr/share/zoneinfo)";

    private static bool IsUtc(string id) =>
        id.Equals("UTC", StringComparison.OrdinalIgnoreCase)
        || id.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase)
        || id.Equals("Z", StringComparison.OrdinalIgnoreCase);
}
