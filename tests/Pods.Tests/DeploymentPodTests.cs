using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// One pod of the `webserver` Deployment (manifests/webserver/base, rendered by kustomize): the pods02 checks,
/// plus what the native sidecar adds: the watcher is ready before nginx starts and outlives it.
/// </summary>
public sealed class DeploymentPodTests : WatcherPodScenarios
{
    protected override int HttpPort => 80;

    protected override async Task<PodRunner> StartPodAsync() =>
        await PodRunner.StartDeploymentPodAsync("webserver",
            await Kustomize.RenderObjectsAsync(RepositoryLayout.PathOf("manifests", "webserver", "base")));

    private static async Task<DateTimeOffset> StartedAt(string containerId) =>
        DateTimeOffset.Parse((await PodRunner.Docker("inspect", "--format", "{{.State.StartedAt}}", containerId)).Trim(),
            System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Watcher_starts_and_passes_its_startup_probe_before_nginx_starts()
    {
        // The kubelet's order for a native sidecar, as the runner followed it
        var events = Pod.Events.Select(e => $"{e.Container}: {e.What}").ToList();
        Assert.Equal(["webwatcher: started", "webwatcher: startup probe passed", "webserver: started"], events);

        // and as Docker recorded it: the watcher's process ran and answered /readyz before nginx's began
        var probePassed = Pod.Events.Single(e => e.What == "startup probe passed").At;
        var watcherStarted = await StartedAt(Pod.Container("webwatcher").Id);
        var nginxStarted = await StartedAt(Pod.Container("webserver").Id);
        Assert.True(watcherStarted < probePassed, $"watcher started {watcherStarted:O}, probe passed {probePassed:O}");
        Assert.True(probePassed < nginxStarted, $"probe passed {probePassed:O}, nginx started {nginxStarted:O}");
    }

    [Fact]
    public async Task Every_probe_of_the_pod_passes()
    {
        foreach (var container in Pod.Pod.Spec.InitContainers.Concat(Pod.Pod.Spec.Containers))
        {
            foreach (var (kind, probe) in new[] { ("startup", container.StartupProbe), ("readiness", container.ReadinessProbe), ("liveness", container.LivenessProbe) })
            {
                if (probe is not null)
                {
                    Assert.True(await Pod.ProbeAsync(container.Name, probe), $"{kind} probe of {container.Name}");
                }
            }
        }
        // The readiness probe of nginx is a GET /: the watcher counts it like any request.
        await WaitForTotal(2);
    }

    [Fact]
    public async Task When_the_pod_goes_nginx_stops_first_and_the_watcher_still_counts_its_last_lines()
    {
        // Given requests nginx has just answered
        await Nginx.LoadAsync(300, 4);

        // When the pod is stopped as the kubelet stops it: regular containers first (nginx: SIGQUIT, graceful)
        await Pod.StopMainContainersAsync();

        // Then nginx has exited while the watcher still runs and counts every line nginx wrote
        Assert.Equal("exited", (await PodRunner.Docker("inspect", "--format", "{{.State.Status}}", Pod.Container("webserver").Id)).Trim());
        Assert.Equal("running", (await PodRunner.Docker("inspect", "--format", "{{.State.Status}}", Pod.Container("webwatcher").Id)).Trim());
        await WaitForTotal(1 + Nginx.Sent);
        await AssertStaysAt(1 + Nginx.Sent);
    }
}
