using Microsoft.Extensions.Options;
using Sidecars.Hosting;

namespace Sidecars.Writer;

/// <summary>Checks <see cref="WriterOptions"/> at start; each message names the setting, the problem and the value.</summary>
internal sealed class WriterOptionsValidator : IValidateOptions<WriterOptions>
{
    public ValidateOptionsResult Validate(string? name, WriterOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add("Writer:Path must not be empty");
        }
        else if (FolderProblem(options.Path) is { } problem)
        {
            failures.Add(problem);
        }
        if (options.Interval <= TimeSpan.Zero)
        {
            failures.Add($"Writer:Interval must be greater than zero (got {Durations.Format(options.Interval)})");
        }
        if (string.IsNullOrEmpty(options.Format))
        {
            failures.Add("Writer:Format must not be empty");
        }
        else if (!DateFormat.TryCompile(options.Format, out _, out string? error))
        {
            failures.Add($"Writer:Format has {error}");
        }
        if (!WriterTimeZone.TryResolve(options.TimeZone, out _))
        {
            failures.Add(WriterTimeZone.CannotResolve(options.TimeZone));
        }
        if (options.MaxLines < 0)
        {
            failures.Add($"Writer:MaxLines must be 0 (keep every line) or more (got {options.MaxLines})");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? FolderProblem(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return $"Writer:Path {path} is a folder, not a file";
        }
        string folder = System.IO.Path.GetDirectoryName(full) ?? "/";
        return Directory.Exists(folder) ? null : $"Writer:Path folder {folder} does not exist";
    }
}
