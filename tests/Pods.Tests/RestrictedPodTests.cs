using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// One pod of manifests/webserver/overlays/restricted: nginx as non-root (UID 101, port 8080, no capability)
/// with the same config, here from an nginx image built like nginx-unprivileged; the pods02 checks.
/// </summary>
public sealed class RestrictedPodTests : WatcherPodScenarios
{
    protected override int HttpPort => 8080;

    protected override async Task<PodRunner> StartPodAsync() =>
        await PodRunner.StartDeploymentPodAsync("webserver",
            await Kustomize.RenderObjectsAsync(RepositoryLayout.PathOf("manifests", "webserver", "overlays", "restricted")));

    [Fact]
    public async Task Nginx_master_and_workers_run_as_uid_101_without_any_capability()
    {
        // /proc/<pid>/status of every nginx process: real, effective, saved and filesystem UID; effective capabilities.
        string status = await Pod.ExecAsync("webserver", "sh", "-c",
            "for p in $(pgrep nginx); do grep -E '^(Uid|CapEff):' /proc/$p/status; done");
        var lines = status.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 4, status); // a master and at least one worker
        Assert.All(lines.Where(l => l.StartsWith("Uid:", StringComparison.Ordinal)),
            l => Assert.Equal(["101", "101", "101", "101"], l.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[1..]));
        Assert.All(lines.Where(l => l.StartsWith("CapEff:", StringComparison.Ordinal)), l => Assert.EndsWith("0000000000000000", l, StringComparison.Ordinal));
    }
}
