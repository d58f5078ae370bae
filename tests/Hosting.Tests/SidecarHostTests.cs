using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting;

[Collection(Endpoint.RunningHost.Collection)]
public sealed class SidecarHostTests
{
    [Fact]
    public void A_validation_failure_becomes_one_line_naming_every_problem()
    {
        var e = new OptionsValidationException("x", typeof(object), ["A:B must be positive (got 0)", "A:C is missing"]);
        Assert.Equal("A:B must be positive (got 0); A:C is missing", SidecarHost.DescribeConfigurationError(e));
    }

    [Fact]
    public void A_binder_conversion_error_is_a_configuration_error_and_other_failures_are_not()
    {
        var binder = new InvalidOperationException("Failed to convert configuration value 'abc' at 'Http:Port' to type 'System.Int32'.");
        Assert.Equal("Http:Port: \"abc\" is not a whole number", SidecarHost.DescribeConfigurationError(new AggregateException(binder)));
        Assert.Null(SidecarHost.DescribeConfigurationError(new InvalidOperationException("something else")));
        Assert.Null(SidecarHost.DescribeConfigurationError(new IOException("disk")));
    }

    [Theory]
    [InlineData("--Http:Port=0", "Http:Port must be between 1 and 65535 (got 0)")]
    [InlineData("--Log:Format=xml", "Log:Format must be \"text\" or \"json\" (got \"xml\")")]
    [InlineData("--Log:Level=Loud", "Log:Level must be one of Verbose, Debug, Information, Warning, Error, Fatal (got \"Loud\")")]
    [InlineData("--Http:Address=not-an-address", "Http:Address must be an IP address such as 127.0.0.1 or ::1, or empty for all (got \"not-an-address\")")]
    [InlineData("--Http:WebConfigFile=/nonexistent/web.yml", "Http:WebConfigFile /nonexistent/web.yml cannot be read: Could not find a part of the path '/nonexistent/web.yml'.")]
    public async Task A_bad_shared_setting_stops_the_host_with_exit_code_2_and_one_line(string arg, string problem)
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            int code = await SidecarHost.RunAsync("probe", [arg], 9999, _ => { });
            Assert.Equal(SidecarHost.ConfigurationErrorExitCode, code);
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal($"probe: configuration error: {problem}", stderr.ToString().Trim());
    }

    [Theory]
    [InlineData("Http:Port")]
    [InlineData("Http:ProbePort")]
    public async Task A_port_in_use_stops_the_host_with_exit_code_2_and_one_line_naming_the_setting(string setting)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.IPv6Any, 0);
        taken.Server.DualMode = true;
        taken.Start();
        int busy = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        string[] args = setting == "Http:Port"
            ? [$"--Http:Port={busy}"]
            : [$"--Http:Port={Sidecars.Testing.Ports.Free()}", $"--Http:ProbePort={busy}"];
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        int code;
        try
        {
            code = await SidecarHost.RunAsync("probe", args, 9999, _ => { });
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(SidecarHost.ConfigurationErrorExitCode, code);
        Assert.StartsWith($"probe: configuration error: {setting} {busy} cannot be bound: ", stderr.ToString().Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', stderr.ToString().Trim());
    }

    [Fact]
    public async Task The_endpoint_serves_metrics_health_and_readiness()
    {
        int port = Sidecars.Testing.Ports.Free();
        using var stop = new CancellationTokenSource();
        HealthState? health = null;
        var run = SidecarHost.RunAsync("probe", [$"--Http:Port={port}"], 9999, builder =>
            builder.Services.AddHostedService(services =>
            {
                health = services.GetRequiredService<HealthState>();
                return new StopOnSignal(services.GetRequiredService<IHostApplicationLifetime>(), stop.Token);
            }));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Sidecars.Testing.Eventually.Holds(async () => (await http.GetAsync("/metrics")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(10), "the endpoint");

        string metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE probe_build_info gauge", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/healthz")).StatusCode);
        health!.Beat();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz")).StatusCode);
        health.SetReady();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/other")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/metrics", null)).StatusCode);
        Assert.Equal("", await Sidecars.Testing.Promtool.CheckMetricsAsync(metrics));

        await stop.CancelAsync();
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task A_stop_asked_for_while_the_host_starts_is_carried_out_once_it_has_started_with_exit_code_0()
    {
        // Given a service that asks for a stop in the middle of the start (as a SIGTERM there would), and one after it
        var later = new RecordingService();
        var run = SidecarHost.RunAsync("probe", [$"--Http:Port={Sidecars.Testing.Ports.Free()}"], 9999, builder =>
        {
            builder.Services.AddHostedService(services => new StopRequestedWhileStarting((ShutdownSignals)services.GetRequiredService<IHostLifetime>()));
            builder.Services.AddHostedService(_ => later);
        });

        // Then the start finishes (the later service starts), the host stops at once, and the exit code is 0
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == run, "the host did not stop within 30 s of a stop asked for during its start");
        Assert.Equal(0, await run);
        Assert.Equal(["started", "stopped"], later.Events);
    }

    private sealed class StopRequestedWhileStarting(ShutdownSignals signals) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            signals.Request();
            Assert.True(signals.Requested);
            await Task.Delay(50, CancellationToken.None);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RecordingService : IHostedService
    {
        public List<string> Events { get; } = [];

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Events.Add(cancellationToken.IsCancellationRequested ? "started, cancelled" : "started");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Events.Add("stopped");
            return Task.CompletedTask;
        }
    }

    private sealed class StopOnSignal(IHostApplicationLifetime lifetime, CancellationToken stop) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(stop, stoppingToken).Token);
            }
            catch (OperationCanceledException)
            {
            }
            lifetime.StopApplication();
        }
    }
}
