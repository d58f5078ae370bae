using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sidecars.Hosting;
using Sidecars.Testing;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>
/// A sidecar host named "probe" run in this process by <see cref="SidecarHost.RunAsync"/>, exactly
/// as a service runs it, with the endpoint on a free port and a main loop that beats.
/// </summary>
internal sealed class RunningHost : IAsyncDisposable
{
    /// <summary>Tests that run hosts or redirect the console run one at a time.</summary>
    public const string Collection = "sidecar hosts";

    private readonly CancellationTokenSource _stop = new();
    private readonly Task<int> _run;

    private RunningHost(int port, string[] args, Action<IServiceProvider>? onStart)
    {
        Port = port;
        _run = SidecarHost.RunAsync("probe", [$"--Http:Port={port}", .. args], 9999, builder =>
            builder.Services.AddHostedService(services =>
            {
                var health = services.GetRequiredService<HealthState>();
                Health = health;
                onStart?.Invoke(services);
                return new BeatingLoop(health, services.GetRequiredService<IHostApplicationLifetime>(), _stop.Token);
            }));
    }

    public int Port { get; }

    public HealthState Health { get; private set; } = null!;

    public Task<int> Exit => _run;

    /// <summary>Starts the host and waits until its port accepts connections.</summary>
    public static async Task<RunningHost> StartAsync(params string[] args)
    {
        var host = new RunningHost(Ports.Free(), args, null);
        await Eventually.Holds(async () =>
        {
            if (host._run.IsCompleted)
            {
                throw new InvalidOperationException($"the host ended with exit code {await host._run}");
            }
            using var tcp = new System.Net.Sockets.TcpClient();
            try
            {
                await tcp.ConnectAsync("127.0.0.1", host.Port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "the endpoint to listen");
        return host;
    }

    public Uri Address(string path = "/", string scheme = "http") => new($"{scheme}://127.0.0.1:{Port}{path}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }

    private sealed class BeatingLoop(HealthState health, IHostApplicationLifetime lifetime, CancellationToken stop) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(stop, stoppingToken);
            health.SetReady();
            try
            {
                while (!both.IsCancellationRequested)
                {
                    health.Beat();
                    await Task.Delay(100, both.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
            lifetime.StopApplication();
        }
    }
}
