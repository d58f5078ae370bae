using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Sidecars.Testing;

namespace Sidecars.Tests.Writer;

/// <summary>
/// The published Native AOT binary stopped by SIGTERM in its first milliseconds, as a kubelet may do to a container
/// that has just started: SIGTERM is sent the moment the process catches it (its <c>SigCgt</c> in
/// <c>/proc/PID/status</c>), while the host is still starting, and a few milliseconds later. Every time the writer must
/// finish its start and stop cleanly with exit code 0. The shared host used to cancel its start
/// on such a signal and die of the unhandled cancellation (SIGABRT), and a signal before the host began to start
/// was lost in a container, where the process is PID 1.
/// </summary>
[Collection(nameof(HostTestsInSeries))]
public sealed partial class EarlySignalBinaryTests : IDisposable
{
    private const int SigTerm = 15;
    private readonly TempFolder _folder = new("writer-early-signal");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sigterm_at_any_moment_of_the_start_ends_the_published_writer_cleanly_with_exit_code_0()
    {
        string binary = await PublishedWriter.BinaryAsync();
        var outcomes = new List<string>();
        foreach (int delayMs in new[] { 0, 0, 0, 0, 0, 1, 1, 2, 2, 5, 5, 10, 20, 50 })
        {
            using var process = Start(binary);
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await WaitUntilItCatchesSigtermAsync(process);
            if (delayMs > 0)
            {
                Thread.Sleep(delayMs);
            }
            Assert.Equal(0, Kill(process.Id, SigTerm));

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw new TimeoutException($"still running 30 s after SIGTERM {delayMs} ms into its start; output: {await output}{await errors}");
            }
            string text = await output + await errors;
            outcomes.Add(string.Create(CultureInfo.InvariantCulture, $"{delayMs} ms: exit {process.ExitCode}"));
            Assert.True(process.ExitCode == 0 && !text.Contains("Unhandled exception", StringComparison.Ordinal)
                && text.Contains(" SIGTERM received", StringComparison.Ordinal),
                $"SIGTERM {delayMs} ms after the writer caught it: {string.Join("; ", outcomes)}; output: {text}");
        }
    }

    private Process Start(string binary)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--Writer:Path={_folder.File("index.html")}");
        start.ArgumentList.Add($"--Http:Port={Ports.Free()}");
        return Process.Start(start)!;
    }

    // SigCgt is a bit mask of the signals the process has a handler for; SIGTERM is bit 14.
    private static async Task WaitUntilItCatchesSigtermAsync(Process process)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string? mask = null;
            try
            {
                mask = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
            }
            catch (IOException)
            {
            }
            if (mask is not null && (ulong.Parse(mask["SigCgt:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (SigTerm - 1))) != 0)
            {
                return;
            }
            Assert.False(process.HasExited, $"the writer exited (code {(process.HasExited ? process.ExitCode : 0)}) before it caught SIGTERM");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the writer did not catch SIGTERM within 30 s");
            if (clock.Elapsed > TimeSpan.FromSeconds(1))
            {
                await Task.Delay(1);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
