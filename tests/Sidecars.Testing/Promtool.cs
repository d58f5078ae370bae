using System.Diagnostics;

namespace Sidecars.Testing;

/// <summary>
/// Prometheus' own command-line tool: <c>promtool check metrics</c> for an exposition, <c>check rules</c>
/// and <c>test rules</c> for rule files. The host's promtool where there is one (CI installs Debian's),
/// else the one inside the Prometheus image.
/// </summary>
public static class Promtool
{
    private static string? HostPromtool =>
        new[] { "/usr/bin/promtool", "/usr/local/bin/promtool", "/bin/promtool" }.FirstOrDefault(File.Exists);

    /// <summary>promtool's complaints about <paramref name="exposition"/>; empty when it is clean.</summary>
    public static async Task<string> CheckMetricsAsync(string exposition)
    {
        string? host = HostPromtool;
        var start = host is not null
            ? new ProcessStartInfo(host, ["check", "metrics"])
            : new ProcessStartInfo("docker", ["run", "--rm", "-i", "--entrypoint", "promtool", TestImages.Prometheus, "check", "metrics"]);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        string problems = ((await stdout) + (await stderr)).Trim();
        return process.ExitCode == 0 && problems.Length == 0 ? "" : $"exit {process.ExitCode}: {problems}";
    }

    /// <summary>
    /// Runs promtool with <paramref name="arguments"/> in <paramref name="folder"/> (files named relative to it) and
    /// returns its exit code and everything it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string folder, params string[] arguments)
    {
        string? host = HostPromtool;
        var start = host is not null
            ? new ProcessStartInfo(host, arguments)
            : new ProcessStartInfo("docker", ["run", "--rm", "-v", $"{folder}:{folder}", "-w", folder, "--entrypoint", "promtool", TestImages.Prometheus, .. arguments]);
        start.WorkingDirectory = folder;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
