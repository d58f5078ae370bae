namespace Sidecars.Watcher;

/// <summary>One rule of <c>Watcher:Exclude</c>: a line matching all it sets is left out of the request metrics.</summary>
internal sealed class ExcludeOptions
{
    /// <summary>A glob over <c>$http_user_agent</c>, e.g. <c>kube-probe/*</c>.</summary>
    public string? UserAgent { get; set; }

    /// <summary>A path prefix or glob, as a route's pattern, e.g. <c>/healthz</c>.</summary>
    public string? Path { get; set; }

    /// <summary>A status code or class, e.g. <c>404</c> or <c>4xx</c>.</summary>
    public string? Status { get; set; }
}
