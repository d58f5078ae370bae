using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher;

/// <summary>Checks <c>Watcher:Exclude</c> for <see cref="WatcherOptionsValidator"/>: what each rule matches on.</summary>
internal static class ExcludeOptionsValidator
{
    /// <summary>Adds a line for each problem; <paramref name="format"/> (null when it is wrong) must log the user agent a rule matches on.</summary>
    public static void Check(List<ExcludeOptions> rules, LogFormat? format, List<string> failures)
    {
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            string key = $"Watcher:Exclude:{i}";
            if (string.IsNullOrEmpty(rule.UserAgent) && string.IsNullOrEmpty(rule.Path) && string.IsNullOrEmpty(rule.Status))
            {
                failures.Add($"{key} must set UserAgent, Path or Status (a rule that sets none would exclude every line)");
            }
            if (!string.IsNullOrEmpty(rule.UserAgent) && format is not null && !format.HasVariable("http_user_agent"))
            {
                failures.Add($"{key}:UserAgent needs $http_user_agent in the log format");
            }
            if (!string.IsNullOrEmpty(rule.Path) && RouteTable.PatternProblem(rule.Path) is { } pathProblem)
            {
                failures.Add($"{key}:Path {pathProblem} (got \"{rule.Path}\")");
            }
            if (!string.IsNullOrEmpty(rule.Status) && LineFilter.StatusProblem(rule.Status) is { } statusProblem)
            {
                failures.Add($"{key}:Status {statusProblem} (got \"{rule.Status}\")");
            }
        }
    }
}
