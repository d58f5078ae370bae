namespace Sidecars.Watcher.StubStatus;

/// <summary>
/// Where and how often nginx's stub_status is read. The interval and the timeout are fixed: the page is one
/// loopback request away in the same pod, answers in well under a millisecond, and a read every 5 s is fresher
/// than any scrape interval while adding only 12 requests a minute to nginx's own counts.
/// </summary>
internal sealed record StubStatusSettings(Uri? Url, TimeSpan Interval, TimeSpan Timeout)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>Shorter than the interval, so reads never overlap or pile up.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Settings for <c>Watcher:StubStatusUrl</c> (validated by <see cref="UrlProblem"/>); no URL: off.</summary>
    public static StubStatusSettings From(string? url) =>
        new(string.IsNullOrWhiteSpace(url) ? null : new Uri(url, UriKind.Absolute), DefaultInterval, DefaultTimeout);

    /// <summary>The one line that says why <paramref name="url"/> cannot be used, or null when it can (or is empty: off).</summary>
    public static string? UrlProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            return $"Watcher:StubStatusUrl must be an http:// or https:// URL such as http://127.0.0.1:8081/stub_status, or empty (got \"{url}\")";
        }
        return null;
    }
}
