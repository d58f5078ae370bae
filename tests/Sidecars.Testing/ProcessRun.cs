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

    /// <summary>Sends SIGTERM to <paramref name="process"/> and waits at most <paramref name="within"/> for it to exit; its exit code.</summary>
    public static async Task<int> TerminateAsync(Process process, TimeSpan within)
    {
        ArgumentNullException.ThrowIfNull(process);
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(within);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
