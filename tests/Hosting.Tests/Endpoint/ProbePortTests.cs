using System.Net;
using System.Net.Sockets;
using System.Text;
using Sidecars.Testing;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>Http:ProbePort: /healthz and /readyz on a port of their own, for the kubelet.</summary>
[Collection(RunningHost.Collection)]
public sealed class ProbePortTests : IAsyncLifetime
{
    private readonly int _probePort = Ports.Free();
    private RunningHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningHost.StartAsync($"--Http:ProbePort={_probePort}");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_probe_port_answers_health_and_readiness_and_nothing_else()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_probePort}") };
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        Assert.Equal("ready\n", await http.GetStringAsync("/readyz?verbose"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/healthz", null)).StatusCode);

        _host.Health.SetNotReady("disk full: /html/index.html");
        using var notReady = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("disk full: /html/index.html\n", await notReady.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Slow_connections_on_the_probe_port_are_dropped_within_a_second_and_do_not_hold_up_a_probe()
    {
        // 100 connections that never finish their request, more than the probe port keeps
        var slow = new List<TcpClient>();
        for (int i = 0; i < 100; i++)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, _probePort);
            await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\n"));
            slow.Add(tcp);
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_probePort}"), Timeout = TimeSpan.FromSeconds(1) };
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        foreach (var tcp in slow)
        {
            var buffer = new byte[64];
            var read = tcp.GetStream().ReadAsync(buffer).AsTask();
            Assert.True(await Task.WhenAny(read, Task.Delay(1000)) == read, "a slow probe connection is still open");
            tcp.Dispose();
        }
    }
}
