using System.Diagnostics;
using Sidecars.Testing;

namespace Sidecars.Tests.Writer;

/// <summary>
/// The writer as the image ships it: published with Native AOT into <c>.build/writer-aot</c>, once per test run
/// (an unchanged tree republishes in seconds; a changed one takes about a minute on two cores).
/// </summary>
internal static class PublishedWriter
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _binary;

    public static async Task<string> BinaryAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _binary ??= await PublishAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> PublishAsync()
    {
        string output = RepositoryLayout.PathOf(".build", "writer-aot");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryLayout.Root,
        };
        foreach (string arg in new[]
        {
            "publish", RepositoryLayout.PathOf("writer", "Writer.csproj"), "-c", "Release", "-r", "linux-x64",
            "-o", output, "-nologo", "-v", "quiet", "-clp:ErrorsOnly",
        })
        {
            start.ArgumentList.Add(arg);
        }
        // The test host's MSBuild variables would point the child at the wrong SDK parts.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        string binary = Path.Combine(output, "writer");
        Assert.True(process.ExitCode == 0 && File.Exists(binary),
            $"dotnet publish of the writer failed (exit {process.ExitCode}): {await stdout}{await stderr}");
        return binary;
    }
}
