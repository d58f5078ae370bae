using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sidecars.Testing;

namespace Sidecars.Tests.Writer;

/// <summary>
/// The published Native AOT binary under libfaketime (Debian's <c>faketime</c>, which scripts/host-tools.sh
/// installs): its wall clock is stepped while it runs, the monotonic clock is left alone, as NTP or
/// <c>date -s</c> would do it.
/// </summary>
[Collection(nameof(HostTestsInSeries))]
public sealed class ClockStepBinaryTests : IAsyncLifetime
{
    private const string LibFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly TempFolder _folder = new("writer-faketime");
    private readonly StringBuilder _output = new();
    private Process? _process;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Published_binary_goes_on_writing_at_the_new_time_when_the_wall_clock_steps_back_an_hour()
    {
        // Given the binary under libfaketime, its clock offset read from a file that says +0
        Assert.True(File.Exists(LibFaketime), $"{LibFaketime} is missing: install Debian's faketime (scripts/host-tools.sh does)");
        string binary = await PublishedWriter.BinaryAsync();
        string offsetFile = _folder.File("faketime");
        SetOffset(offsetFile, "+0");
        string path = _folder.File("index.html");
        int port = Ports.Free();
        Start(binary, offsetFile, $"--Writer:Path={path}", "--Writer:Format=iso8601", $"--Http:Port={port}");
        await Eventually.Holds(() => Lines(path).Count >= 2, TimeSpan.FromSeconds(60), $"two lines; output: {Output}");
        var lastBefore = Lines(path)[^1];

        // When the wall clock steps back an hour
        SetOffset(offsetFile, "-1h");

        // Then lines go on within seconds, an hour earlier, in order, on whole seconds
        await Eventually.Holds(
            () => Lines(path).Count(t => t < lastBefore.AddMinutes(-50)) >= 2, TimeSpan.FromSeconds(30),
            $"two lines an hour before {lastBefore:O}; lines: {string.Join(", ", Lines(path).Select(t => t.ToString("O", CultureInfo.InvariantCulture)))}; output: {Output}");
        var after = Lines(path).Where(t => t < lastBefore.AddMinutes(-50)).ToList();
        Assert.All(after.Zip(after.Skip(1)), p => Assert.True(p.Second > p.First, $"{p.Second:O} after {p.First:O}"));
        Assert.All(after, t => Assert.Equal(0, t.Ticks % TimeSpan.TicksPerSecond));
        // And the step is counted once, logged once, and the writer stays ready
        string metrics = await Http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Equal(1, Sample(metrics, "writer_clock_steps_total{direction=\"backward\"}"));
        Assert.Equal(0, Sample(metrics, "writer_clock_steps_total{direction=\"forward\"}"));
        Assert.Equal("ready\n", await Http.GetStringAsync($"http://127.0.0.1:{port}/readyz"));
        // The size logged is wall time minus monotonic time between two wake-ups, read a moment apart: on a
        // loaded machine it may be 00:59:59.98 as well as 01:00:00.0001.
        string stepLine = Assert.Single(Output.Split('\n'), l => l.Contains("The wall clock stepped back by ", StringComparison.Ordinal));
        string logged = stepLine[(stepLine.IndexOf(" by ", StringComparison.Ordinal) + 4)..].Split(' ')[0];
        Assert.InRange(TimeSpan.Parse(logged, CultureInfo.InvariantCulture), TimeSpan.FromMinutes(59.9), TimeSpan.FromMinutes(60.1));

        // And SIGTERM still ends it cleanly
        Assert.Equal(0, await ProcessRun.TerminateAsync(_process!, TimeSpan.FromSeconds(30)));
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Start(string binary, string offsetFile, params string[] args)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["LD_PRELOAD"] = LibFaketime;
        start.Environment["FAKETIME_TIMESTAMP_FILE"] = offsetFile;
        start.Environment["FAKETIME_NO_CACHE"] = "1";
        start.Environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.Append(line).Append('\n');
        }
    }

    // libfaketime rereads the file on every clock call: replace it whole, never let it read half a write.
    private void SetOffset(string offsetFile, string offset)
    {
        string temporary = offsetFile + ".tmp";
        File.WriteAllText(temporary, offset + "\n");
        File.Move(temporary, offsetFile, overwrite: true);
    }

    private static List<DateTimeOffset> Lines(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Select(l => DateTimeOffset.Parse(l, CultureInfo.InvariantCulture)).ToList()
            : [];

    private static double Sample(string exposition, string series) =>
        double.Parse(
            exposition.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..],
            CultureInfo.InvariantCulture);
}
