using System.Diagnostics;

namespace Sidecars.Testing;

/// <summary>Runs a program to its end: its exit code and what it wrote.</summary>
public static class ProcessRun
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"{file} did not start (is it installed? scripts/host-tools.sh installs it)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
