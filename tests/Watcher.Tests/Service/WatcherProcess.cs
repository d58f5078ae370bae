using System.Diagnostics;
using System.Net;
using System.Text;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>The built watcher (<c>watcher.dll</c>, copied next to the tests) run as a child process with <c>dotnet</c>.</summary>
internal sealed class WatcherProcess : IAsyncDisposable
{
    /// <summary>Tests that start watcher processes run one at a time (2 cores; each process starts a runtime).</summary>
    public const string Collection = "watcher processes";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private WatcherProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "watcher.dll");

    public static WatcherProcess Start(params string[] args) => Start(Sidecars.Testing.Ports.Free(), args);

    // `dotnet watcher.dll ARGS` with both outputs captured.
    private static ProcessStartInfo StartInfo(string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DllPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    public static WatcherProcess Start(int port, params string[] args)
    {
        var start = StartInfo(args);
        start.ArgumentList.Add($"--Http:Port={port}");
        var process = Process.Start(start)!;
        var watcher = new WatcherProcess(process, port);
        process.OutputDataReceived += (_, e) => { lock (watcher._stdout) { watcher._stdout.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (watcher._stderr) { watcher._stderr.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return watcher;
    }

    /// <summary>Runs the watcher to its end (for option errors and once mode).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(params string[] args)
    {
        var start = StartInfo(args);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public async Task<string> ScrapeAsync() => await Http.GetStringAsync($"http://127.0.0.1:{Port}/metrics");

    public async Task<bool> IsReadyAsync()
    {
        using var response = await Http.GetAsync($"http://127.0.0.1:{Port}/readyz");
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>The sum of <c>nginx_http_requests_total</c> on /metrics (0 before the first request: no series yet).</summary>
    public async Task<double> RequestsAsync() =>
        Sidecars.Testing.Exposition.ValueOrZero(await ScrapeAsync(), "nginx_http_requests_total");

    public async Task WaitReadyAsync() =>
        await Sidecars.Testing.Eventually.Holds(IsReadyAsync, TimeSpan.FromSeconds(60), $"watcher ready on port {Port}; stderr: {Stderr}; stdout: {Stdout}");

    /// <summary>SIGTERM, then waits for the exit.</summary>
    public Task<int> StopAsync() => Sidecars.Testing.ProcessRun.TerminateAsync(_process, TimeSpan.FromSeconds(20));

    /// <summary>SIGKILL: no chance to save anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

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
