using System.ComponentModel;
using System.Diagnostics;

namespace Sidecars.Tests.Manifests;

internal sealed record ToolResult(int ExitCode, string StdOut, string StdErr)
{
    public string Describe() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
}

/// <summary>Runs a command-line tool (yamllint, kubectl, sh, nginx) and collects its output.</summary>
internal static class ExternalTool
{
    public static async Task<ToolResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Start(start);
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in time");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        }
        catch (Win32Exception e)
        {
            // CI installs the tools (apt-get install -y yamllint nginx; kubectl); say so instead of a bare error.
            throw new InvalidOperationException($"{start.FileName} is needed by these tests and could not be started: {e.Message}", e);
        }
    }
}
