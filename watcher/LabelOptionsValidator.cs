using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher;

/// <summary>Checks <c>Watcher:Labels</c> for <see cref="WatcherOptionsValidator"/>: how many, their names, their variables and caps.</summary>
internal static class LabelOptionsValidator
{
    /// <summary>Labels from variables the watcher can have: the label set key holds 8 dimensions, 4 are its own.</summary>
    public const int MaxLabels = 4;

    /// <summary>The most values one label may have.</summary>
    public const int MaxMaxValues = 10_000;

    /// <summary>Adds a line for each problem; <paramref name="format"/> (null when it is wrong) must have each label's variable.</summary>
    public static void Check(List<LabelOptions> labels, LogFormat? format, List<string> failures)
    {
        if (labels.Count > MaxLabels)
        {
            failures.Add($"Watcher:Labels may name at most {MaxLabels} labels (got {labels.Count})");
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            string key = $"Watcher:Labels:{i}";
            if (!LabelNames.IsValid(label.Name))
            {
                failures.Add($"{key}:Name must be a Prometheus label name: letters, digits and _, not starting with a digit or __ (got \"{label.Name}\")");
            }
            else if (LabelNames.Reserved.Contains(label.Name))
            {
                failures.Add($"{key}:Name \"{label.Name}\" is taken (reserved: {string.Join(", ", LabelNames.Reserved)})");
            }
            else if (!names.Add(label.Name))
            {
                failures.Add($"{key}:Name \"{label.Name}\" is used twice");
            }
            if (string.IsNullOrWhiteSpace(label.VariableName))
            {
                failures.Add($"{key}:Variable must name a log_format variable, e.g. $host");
            }
            else if (format is not null && !format.HasVariable(label.VariableName))
            {
                failures.Add($"{key}:Variable ${label.VariableName} is not in the log format ({string.Join(" ", format.Variables.Select(v => "$" + v))})");
            }
            if (label.MaxValues is < 1 or > MaxMaxValues)
            {
                failures.Add($"{key}:MaxValues must be between 1 and {MaxMaxValues} (got {label.MaxValues})");
            }
        }
    }
}
