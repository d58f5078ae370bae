using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// The Deployment's nginx drops every capability but four: each of them is needed by the official image's
/// master, and the four are enough. nginx runs alone here, with the container's security settings from the
/// manifest and a pod's default of no unprivileged ports below 1024.
/// </summary>
public sealed class NginxCapabilityTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private static async Task<List<string>> AddedCapabilitiesAsync()
    {
        var objects = await Kustomize.RenderObjectsAsync(RepositoryLayout.PathOf("manifests", "webserver", "base"));
        var nginx = objects.OfType<k8s.Models.V1Deployment>().Single().Spec.Template.Spec.Containers.Single(c => c.Name == "webserver");
        Assert.Equal(["ALL"], nginx.SecurityContext.Capabilities.Drop);
        return [.. nginx.SecurityContext.Capabilities.Add];
    }

    /// <summary>Starts nginx with <paramref name="capabilities"/> and says whether it serves a page within 10 s.</summary>
    private static async Task<(bool Serves, string Log)> ServesWithAsync(IEnumerable<string> capabilities)
    {
        string name = $"nginx-caps-{Guid.NewGuid():N}"[..24];
        var args = new List<string>
        {
            "run", "-d", "--name", name, "--label", PodRunner.Label + "=nginx-caps", "-p", "127.0.0.1::80",
            "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
        };
        foreach (string capability in capabilities)
        {
            args.AddRange(["--cap-add", capability]);
        }
        args.Add(TestImages.Nginx);
        await PodRunner.Docker([.. args]);
        try
        {
            // No published port once nginx has exited (it does at once without CHOWN).
            string port = await PodRunner.Docker("port", name, "80").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Split('\n')[0].Trim() : "");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (port.Length > 0 && DateTime.UtcNow < deadline)
            {
                try
                {
                    if ((await s_http.GetAsync($"http://{port}/")).IsSuccessStatusCode)
                    {
                        return (true, "");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                if ((await PodRunner.Docker("inspect", "--format", "{{.State.Status}}", name)).Trim() != "running")
                {
                    break;
                }
                await Task.Delay(200);
            }
            return (false, await PodRunner.Docker("logs", name));
        }
        finally
        {
            await PodRunner.Docker("rm", "-f", name);
        }
    }

    [Fact]
    public async Task The_four_capabilities_are_enough_to_serve()
    {
        var (serves, log) = await ServesWithAsync(await AddedCapabilitiesAsync());
        Assert.True(serves, log);
    }

    [Fact]
    public async Task Without_any_one_of_them_nginx_does_not_serve()
    {
        var added = await AddedCapabilitiesAsync();
        Assert.Equal(4, added.Count);
        foreach (string missing in added)
        {
            var (serves, _) = await ServesWithAsync(added.Where(c => c != missing));
            Assert.False(serves, $"nginx served without {missing}: the manifest need not add it");
        }
    }
}
