using Sidecars.Watcher.Metrics;

namespace Sidecars.Watcher;

/// <summary>
/// One named route: exactly one of <see cref="Pattern"/> (a path prefix or a glob) and <see cref="Regex"/>
/// (a regular expression on the path), optionally with <see cref="Host"/> (a regular expression on <c>$host</c>).
/// </summary>
internal sealed class RouteOptions
{
    /// <summary>The label value (unless a <see cref="Replacement"/> gives one); lowercase letters, digits and _.</summary>
    public string Name { get; set; } = "";

    /// <summary>A path prefix (<c>/api</c>) or a glob (<c>*</c> one segment, <c>**</c> the rest).</summary>
    public string? Pattern { get; set; }

    /// <summary>A .NET regular expression matched on the path without its query, in linear time (no lookarounds or backreferences).</summary>
    public string? Regex { get; set; }

    /// <summary>
    /// The label value for a <see cref="Regex"/> match instead of <see cref="Name"/>; may refer to groups
    /// (<c>${version}</c>, <c>$1</c>), and then has at most <see cref="MaxValues"/> values, beyond which it is <see cref="Name"/>.
    /// </summary>
    public string? Replacement { get; set; }

    /// <summary>A regular expression that <c>$host</c> must match as well (the format must log <c>$host</c>).</summary>
    public string? Host { get; set; }

    /// <summary>The most values a <see cref="Replacement"/> with group references may produce.</summary>
    public int MaxValues { get; set; } = RouteTable.DefaultMaxValues;
}
