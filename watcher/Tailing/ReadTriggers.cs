namespace Sidecars.Watcher.Tailing;

internal static class ReadTriggers
{
    public static readonly string[] Labels = ["interval", "scrape", "names"];

    public static string Label(this ReadTrigger trigger) => Labels[(int)trigger];
}
