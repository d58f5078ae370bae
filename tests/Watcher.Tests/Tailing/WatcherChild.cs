using System.Diagnostics;
using System.Text;
using Sidecars.Testing;
using Sidecars.Tests.Watcher.Service;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// The built watcher (<c>watcher.dll</c> next to the tests) as a child process, optionally under another user
/// (<c>setpriv</c>: as root, plain permissions never deny anything, so a denied path needs an ordinary user).
/// </summary>
internal sealed class WatcherChild : IAsyncDisposable
{
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WatcherChild(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public bool HasExited => _process.HasExited;

    /// <summary>Whether this process may run the watcher as another user (root, with <c>setpriv</c> installed).</summary>
    public static bool CanRunAsAnotherUser =>
        Environment.IsPrivilegedProcess && File.Exists("/usr/bin/setpriv");

    /// <param name="asUid">Run as this user and group id (null: as this process).</param>
    public static WatcherChild Start(int? asUid, params string[] args)
    {
        int port = Ports.Free();
        var start = new ProcessStartInfo(asUid is null ? "dotnet" : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUid is { } uid)
        {
            foreach (string arg in new[] { $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "dotnet" })
            {
                start.ArgumentList.Add(arg);
            }
        }
        start.ArgumentList.Add(WatcherProcess.DllPath);
        foreach (string arg in args.Append($"--Http:Port={port}"))
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        var child = new WatcherChild(process, port);
        process.OutputDataReceived += (_, e) => { lock (child._output) { child._output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (child._output) { child._output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public async Task<string> ScrapeAsync() => await Http.GetStringAsync($"http://127.0.0.1:{Port}/metrics");

    /// <summary>A value on /metrics (0 when the series is not there).</summary>
    public async Task<double> ValueAsync(string name, params string[] labels) =>
        Exposition.ValueOrZero(await ScrapeAsync(), name, labels);

    /// <summary>Waits until <paramref name="name"/> reaches <paramref name="expected"/>; fails at once when the watcher ended.</summary>
    public Task WaitFor(string name, double expected, params string[] labels) =>
        Eventually.Holds(async () =>
        {
            Assert.False(_process.HasExited, $"the watcher ended with exit code {(_process.HasExited ? _process.ExitCode : 0)}: {Output}");
            return await ValueAsync(name, labels) == expected;
        }, Within, $"{name}{{{string.Join(",", labels)}}} == {expected}; output: {Output}");

    /// <summary>SIGTERM, then waits for the exit; returns the exit code.</summary>
    public Task<int> StopAsync() => ProcessRun.TerminateAsync(_process, TimeSpan.FromSeconds(20));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
