using System.Diagnostics;

namespace Sidecars.Testing;

/// <summary>
/// <c>promtool check metrics</c>, Prometheus' own linter for an exposition: the host's promtool
/// where there is one (CI installs Debian's), else the one inside the Prometheus image.
/// </summary>
public static class Promtool
{
    /// <summary>promtool's complaints about <paramref name="exposition"/>; empty when it is clean.</summary>
    public static async Task<string> CheckMetricsAsync(string exposition)
    {
        string? host = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool", "/bin/promtool" }.FirstOrDefault(File.Exists);
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
}
