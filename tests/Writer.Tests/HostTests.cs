using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sidecars.Hosting;
using Sidecars.Testing;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

/// <summary>The real host in-process, as Program.cs runs it. One collection: these tests swap Console.Error
/// and the host sets Serilog's static logger, so they must not run beside each other.</summary>
[CollectionDefinition(nameof(HostTestsInSeries), DisableParallelization = true)]
public sealed class HostTestsInSeries;

[Collection(nameof(HostTestsInSeries))]
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly TempFolder _folder = new("writer-config");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--Writer:Interval=00:00:00", "Writer:Interval must be greater than zero (got 0s)")]
    [InlineData("--Writer:Interval=-00:00:01", "Writer:Interval must be greater than zero (got -1s)")]
    [InlineData("--Writer:Format=%a %Q", "Writer:Format has unknown token %Q at position 3")]
    [InlineData("--Writer:Format=%H:%M %", "Writer:Format has unknown token % at position 6")]
    [InlineData("--Writer:TimeZone=Mars/Olympus_Mons",
        "Writer:TimeZone \"Mars/Olympus_Mons\" cannot be resolved (the image has no tzdata; use UTC or mount /usr/share/zoneinfo)")]
    [InlineData("--Writer:MaxLines=-1", "Writer:MaxLines must be 0 (keep every line) or more (got -1)")]
    [InlineData("--Writer:Path=/no-such-folder-for-writer/index.html", "Writer:Path folder /no-such-folder-for-writer does not exist")]
    [InlineData("--Writer:Path=", "Writer:Path must not be empty")]
    [InlineData("--Writer:Interval=soon", "Writer:Interval: \"soon\" is not a duration such as 250ms, 5s, 1m30s or 1h (or 00:00:05)")]
    [InlineData("--Writer:MaxLines=lots", "Writer:MaxLines: \"lots\" is not a whole number")]
    [InlineData("--Http:Port=abc", "Http:Port: \"abc\" is not a whole number")]
    public async Task Bad_setting_exits_with_code_2_and_one_line(string setting, string message)
    {
        var (exitCode, errors) = await RunCapturingStandardError(
            $"--Writer:Path={_folder.File("index.html")}", $"--Http:Port={Ports.Free()}", setting);

        Assert.Equal(2, exitCode);
        Assert.Equal($"writer: configuration error: {message}\n", errors);
        Assert.False(File.Exists(_folder.File("index.html")));
    }

    private static async Task<(int ExitCode, string Errors)> RunCapturingStandardError(params string[] args)
    {
        var original = Console.Error;
        using var errors = new StringWriter { NewLine = "\n" };
        Console.SetError(errors);
        try
        {
            var run = SidecarHost.RunAsync("writer", args, 9146, b => b.AddWriter());
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(finished == run, "the host did not exit on a bad setting");
            return (await run, errors.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}

[Collection(nameof(HostTestsInSeries))]
public sealed class EndToEndTests : IDisposable
{
    private readonly TempFolder _folder = new("writer-e2e");

    public void Dispose() => _folder.Dispose();

    // A smoke test on the real clock: the exact timing (one line per second, on the boundary, no missed ticks) is
    // proved on the fake clock in WriterServiceTests and WriterClockTests. Here a loaded machine may pause the
    // process for seconds, so only what holds regardless is asserted.
    [Fact]
    public async Task Real_host_writes_dated_lines_on_second_boundaries_serves_matching_metrics_and_stops_promptly()
    {
        // Given the real host on a free port, a real clock and a temporary folder
        int port = Ports.Free();
        string path = _folder.File("index.html");
        var stopper = new Stopper();
        var run = SidecarHost.RunAsync(
            "writer", [$"--Writer:Path={path}", $"--Http:Port={port}"], 9146,
            b => b.AddWriter().Services.AddSingleton<IHostedService>(services =>
            {
                stopper.Attach(services.GetRequiredService<IHostApplicationLifetime>());
                return stopper;
            }));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        // When it has written three lines
        await Eventually.Holds(() => File.Exists(path) && File.ReadAllLines(path).Length >= 3, TimeSpan.FromSeconds(60), "three lines in the file");

        // Then /metrics agrees with the file (read between two equal scrapes, so no tick slipped in)
        string metrics = "";
        string[] lines = [];
        for (int attempt = 0; attempt < 20; attempt++)
        {
            string before = await http.GetStringAsync("metrics");
            lines = File.ReadAllLines(path);
            metrics = await http.GetStringAsync("metrics");
            if (Value(before, "writer_lines_written_total") == Value(metrics, "writer_lines_written_total"))
            {
                break;
            }
        }
        Assert.Equal(lines.Length, Value(metrics, "writer_lines_written_total"));
        Assert.Equal(new FileInfo(path).Length, Value(metrics, "writer_file_size_bytes"), 0.0);
        Assert.Equal(new FileInfo(path).Length, Value(metrics, "writer_bytes_written_total"), 0.0);
        Assert.Equal(0, Value(metrics, "writer_write_failures_total{reason=\"disk_full\"}"));
        Assert.Equal(0, Value(metrics, "writer_clock_steps_total{direction=\"backward\"}"));
        Assert.Equal("", await Promtool.CheckMetricsAsync(metrics));
        // And the lines are today's times on whole seconds, in order; a gap longer than a second (the machine
        // paused the writer) is counted as missed ticks, never filled with late lines
        var times = lines.Select(ParseDate).ToList();
        Assert.All(times, t => Assert.Equal(0, t.Ticks % TimeSpan.TicksPerSecond));
        Assert.All(times.Zip(times.Skip(1)), p => Assert.True(p.Second > p.First, $"{p.Second:O} after {p.First:O}"));
        long gaps = times.Zip(times.Skip(1)).Sum(p => (long)(p.Second - p.First).TotalSeconds - 1);
        Assert.True(gaps <= Value(metrics, "writer_missed_ticks_total"), $"{gaps} seconds without a line, missed ticks: {Value(metrics, "writer_missed_ticks_total")}");
        Assert.InRange(DateTimeOffset.UtcNow - times[^1], TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(60));
        Assert.Equal("ready\n", await http.GetStringAsync("readyz"));
        Assert.Equal("ok\n", await http.GetStringAsync("healthz"));

        // When it is stopped (what SIGTERM does), it exits 0 before the host's 5 s shutdown timeout would cut a
        // hung loop short (the stop itself is proved on the fake clock)
        var stopwatch = Stopwatch.StartNew();
        stopper.Lifetime!.StopApplication();
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == run, "the host did not stop");
        Assert.Equal(0, await run);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), $"stop took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task A_symlink_at_the_index_file_is_counted_as_symlink_turns_readiness_off_and_writing_resumes_once_it_is_gone()
    {
        // Given a link planted where the file goes, pointing at a file of someone else's
        int port = Ports.Free();
        string path = _folder.File("index.html");
        string victim = _folder.File("victim.txt");
        File.WriteAllText(victim, "not the writer's\n");
        File.CreateSymbolicLink(path, victim);
        var stopper = new Stopper();
        var run = SidecarHost.RunAsync(
            "writer", [$"--Writer:Path={path}", $"--Http:Port={port}"], 9146,
            b => b.AddWriter().Services.AddSingleton<IHostedService>(services =>
            {
                stopper.Attach(services.GetRequiredService<IHostApplicationLifetime>());
                return stopper;
            }));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        // When it has tried to write twice
        await Eventually.Holds(async () => ValueOrNull(await http.GetStringAsync("metrics"), "writer_write_failures_total{reason=\"symlink\"}") >= 2,
            TimeSpan.FromSeconds(60), "two failures counted as symlink");

        // Then the victim is untouched and readiness says why, without the path
        Assert.Equal("not the writer's\n", File.ReadAllText(victim));
        using (var notReady = await http.GetAsync("readyz"))
        {
            Assert.Equal(503, (int)notReady.StatusCode);
            Assert.Equal("write failing: symlink\n", await notReady.Content.ReadAsStringAsync());
        }

        // And once the link is gone the writer writes its own file and is ready again
        File.Delete(path);
        await Eventually.Holds(async () => File.Exists(path) && (await http.GetAsync("readyz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), "writing again");
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal("not the writer's\n", File.ReadAllText(victim));
        stopper.Lifetime!.StopApplication();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static double? ValueOrNull(string exposition, string series) =>
        exposition.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture)
            : null;

    private static DateTimeOffset ParseDate(string line) =>
        DateTimeOffset.ParseExact(line.Replace("  ", " ", StringComparison.Ordinal), "ddd MMM d HH:mm:ss 'UTC' yyyy",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static double Value(string exposition, string series) =>
        double.Parse(
            exposition.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..],
            CultureInfo.InvariantCulture);

    /// <summary>Hands the test the host's lifetime, to stop it as SIGTERM would.</summary>
    private sealed class Stopper : IHostedService
    {
        public IHostApplicationLifetime? Lifetime { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Attach(IHostApplicationLifetime lifetime) => Lifetime = lifetime;
    }
}
