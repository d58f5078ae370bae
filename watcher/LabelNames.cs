namespace Sidecars.Watcher;

/// <summary>
/// What a label of the watcher's metrics may be called, in one place for the settings (<c>Watcher:Labels</c>) and
/// the saved state (<see cref="State.StateValidator"/>).
/// </summary>
internal static class LabelNames
{
    /// <summary>The longest label name the watcher takes.</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// Names a <c>Watcher:Labels</c> entry may not take: the watcher's own request labels, the histograms' and
    /// summaries' (<c>le</c>, <c>quantile</c>), and the target labels Prometheus adds (<c>job</c>, <c>instance</c>).
    /// </summary>
    public static readonly string[] Reserved = ["method", "status", "route", "log", "le", "quantile", "job", "instance"];

    /// <summary>
    /// A Prometheus label name (ASCII letters, digits and <c>_</c>, not starting with a digit) that is not one of
    /// Prometheus' own (<c>__</c> first), at most <see cref="MaxLength"/> characters.
    /// </summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && !name.StartsWith("__", StringComparison.Ordinal)
        && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
