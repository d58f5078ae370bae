using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher;

/// <summary>Checks <c>Watcher:Routes</c> for <see cref="WatcherOptionsValidator"/>: each route's name and form, and the values they give together.</summary>
internal static class RouteOptionsValidator
{
    /// <summary>Route names are label values: short.</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Adds a line for each problem. <paramref name="format"/> is the log format when it is right (a route's
    /// <c>Host</c> needs <c>$host</c> in it), else null and not checked against.
    /// </summary>
    public static void Check(List<RouteOptions> routes, LogFormat? format, List<string> failures)
    {
        int before = failures.Count;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < routes.Count; i++)
        {
            var route = routes[i];
            string key = $"Watcher:Routes:{i}";
            if (!RouteTable.IsValidName(route.Name))
            {
                failures.Add($"{key}:Name must be lowercase letters, digits and _ (got \"{route.Name}\")");
            }
            else if (route.Name.Length > MaxNameLength)
            {
                failures.Add($"{key}:Name must be at most {MaxNameLength} characters (got {route.Name.Length})");
            }
            else if (route.Name == RouteTable.Other)
            {
                failures.Add($"{key}:Name \"other\" is reserved for paths no route matches");
            }
            else if (!names.Add(route.Name))
            {
                failures.Add($"{key}:Name \"{route.Name}\" is used twice");
            }
            FormProblems(key, route, failures);
            if (!string.IsNullOrEmpty(route.Host) && format is not null && !format.HasVariable("host"))
            {
                failures.Add($"{key}:Host needs $host in the log format, which has none (got \"{route.Host}\")");
            }
        }
        // Counted only over routes that are right otherwise.
        if (failures.Count == before && routes.Count > 0 && RouteTable.ValuesNeeded(routes) is var values && values > RouteTable.MaxValues)
        {
            failures.Add($"Watcher:Routes can give at most {RouteTable.MaxValues} route values in all, each route's Name or constant Replacement counting one and each Replacement with groups its MaxValues, not its Name (got {values}); lower MaxValues");
        }
    }

    /// <summary>The form of one route: exactly one of Pattern and Regex, and what fits each.</summary>
    private static void FormProblems(string key, RouteOptions route, List<string> failures)
    {
        bool pattern = !string.IsNullOrEmpty(route.Pattern);
        bool regex = !string.IsNullOrEmpty(route.Regex);
        if (pattern && regex)
        {
            failures.Add($"{key} has both a Pattern and a Regex: give one");
        }
        else if (!pattern && !regex)
        {
            failures.Add($"{key} needs a Pattern (a path prefix or glob) or a Regex");
        }
        else if (pattern && RouteTable.PatternProblem(route.Pattern) is { } patternProblem)
        {
            failures.Add($"{key}:Pattern {patternProblem} (got \"{route.Pattern}\")");
        }
        string? regexProblem = regex ? RouteTable.RegexProblem(route.Regex!) : null;
        if (regexProblem is not null)
        {
            failures.Add($"{key}:Regex {regexProblem} (got \"{route.Regex}\")");
        }
        if (!string.IsNullOrEmpty(route.Replacement))
        {
            if (!regex)
            {
                failures.Add($"{key}:Replacement needs a Regex (got \"{route.Replacement}\")");
            }
            else if (regexProblem is null && RouteTable.ReplacementProblem(route.Regex!, route.Replacement) is { } replacementProblem)
            {
                failures.Add($"{key}:Replacement {replacementProblem} (got \"{route.Replacement}\")");
            }
        }
        if (!string.IsNullOrEmpty(route.Host) && RouteTable.RegexProblem(route.Host) is { } hostProblem)
        {
            failures.Add($"{key}:Host {hostProblem} (got \"{route.Host}\")");
        }
        if (route.MaxValues is < 1 or > RouteTable.MaxValues)
        {
            failures.Add($"{key}:MaxValues must be between 1 and {RouteTable.MaxValues} (got {route.MaxValues})");
        }
    }
}
