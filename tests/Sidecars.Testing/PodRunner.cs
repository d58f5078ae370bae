using System.Diagnostics;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Volumes;
using k8s;
using k8s.Models;

namespace Sidecars.Testing;

/// <summary>
/// Runs a pod exactly as its manifest describes it, with Docker instead of a kubelet: a "pause"
/// container owns the pod's network namespace and publishes every containerPort on 127.0.0.1;
/// each container joins it (<c>--network container:</c>), with the manifest's image (mapped to a
/// local one), command, args, env, volume mounts, security context and limits. emptyDir volumes are
/// Docker volumes created without copying the image's files (NoCopy) and world-writable like a
/// kubelet's (plus the pod's fsGroup); configMap volumes are the ConfigMap's data in a temporary
/// folder, bind-mounted read-only (whole or by subPath). Init containers run first, in order, as the
/// kubelet runs them: a sidecar (<c>restartPolicy: Always</c>) must pass its startup probe before the next
/// container starts and is stopped after the regular containers. runAsNonRoot is checked like the kubelet
/// does; probes are run on request (<see cref="ProbeAsync"/>), not periodically.
/// </summary>
public sealed class PodRunner : IAsyncDisposable
{
    private readonly List<IVolume> _volumes = [];
    private readonly Dictionary<string, IContainer> _containers = new(StringComparer.Ordinal);
    private readonly TempFolder _configMaps = new("pod-configmaps");
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly List<PodEvent> _events = [];
    private IContainer? _pause;

    private PodRunner(V1Pod pod) => Pod = pod;

    /// <summary>The label on every container and volume a pod run makes (scripts remove leftovers of killed runs by it).</summary>
    public const string Label = "org.sidecars.test";

    /// <summary>Where Testcontainers logs (null: its default console logger; the demo silences it).</summary>
    public static Microsoft.Extensions.Logging.ILogger? Logger { get; set; }

    /// <summary>The pod as read from the manifest.</summary>
    public V1Pod Pod { get; }

    /// <summary>Reads every manifest in <paramref name="manifestFiles"/> and starts the pod named <paramref name="podName"/>.</summary>
    public static Task<PodRunner> StartAsync(string podName, params string[] manifestFiles) =>
        StartAsync(podName, manifestFiles, []);

    /// <summary>
    /// Reads every manifest in <paramref name="manifestFiles"/> and starts the pod named <paramref name="podName"/>,
    /// with <paramref name="env"/> set in its containers on top of the manifest's own environment and
    /// <paramref name="configMapData"/> in its ConfigMaps (a test's configuration of a shipped manifest, which stays
    /// as it is otherwise).
    /// </summary>
    public static async Task<PodRunner> StartAsync(string podName, IReadOnlyList<string> manifestFiles,
        IEnumerable<EnvOverride> env, IEnumerable<ConfigMapOverride>? configMapData = null)
    {
        var objects = new List<object>();
        foreach (string file in manifestFiles)
        {
            objects.AddRange(KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file), strict: true));
        }
        var pod = objects.OfType<V1Pod>().Single(p => p.Metadata.Name == podName);
        foreach (var variable in env)
        {
            Override(pod, variable);
        }
        var configMaps = objects.OfType<V1ConfigMap>().ToList();
        foreach (var data in configMapData ?? [])
        {
            var configMap = configMaps.SingleOrDefault(c => c.Metadata.Name == data.ConfigMap)
                ?? throw new ArgumentException($"no ConfigMap {data.ConfigMap} in {string.Join(", ", manifestFiles)}", nameof(configMapData));
            configMap.Data ??= new Dictionary<string, string>();
            configMap.Data[data.Key] = data.Value;
        }
        return await StartAsync(pod, configMaps);
    }

    // Replaces the manifest's value of the variable (a valueFrom included), in place, or adds it at the end.
    private static void Override(V1Pod pod, EnvOverride variable)
    {
        var container = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers).SingleOrDefault(c => c.Name == variable.Container)
            ?? throw new ArgumentException($"pod {pod.Metadata.Name} has no container {variable.Container}", nameof(variable));
        container.Env ??= [];
        var existing = container.Env.SingleOrDefault(e => e.Name == variable.Name);
        if (existing is null)
        {
            container.Env.Add(new V1EnvVar { Name = variable.Name, Value = variable.Value });
        }
        else
        {
            existing.Value = variable.Value;
            existing.ValueFrom = null;
        }
    }

    /// <summary>
    /// Starts one pod of the Deployment <paramref name="deploymentName"/> among <paramref name="objects"/> (e.g. a
    /// kustomization rendered by <see cref="Kustomize"/>): its pod template, with the ConfigMaps it mounts.
    /// </summary>
    public static Task<PodRunner> StartDeploymentPodAsync(string deploymentName, IEnumerable<object> objects)
    {
        var list = objects.ToList();
        var deployment = list.OfType<V1Deployment>().Single(d => d.Metadata.Name == deploymentName);
        var template = deployment.Spec.Template;
        // Named like a ReplicaSet's pod: the Deployment's name and a random suffix.
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{deploymentName}-{Guid.NewGuid().ToString("N")[..5]}",
                Labels = template.Metadata?.Labels,
                Annotations = template.Metadata?.Annotations,
            },
            Spec = template.Spec,
        };
        return StartAsync(pod, list.OfType<V1ConfigMap>());
    }

    /// <summary>Starts <paramref name="pod"/>, whose configMap volumes name some of <paramref name="configMaps"/>.</summary>
    public static async Task<PodRunner> StartAsync(V1Pod pod, IEnumerable<V1ConfigMap> configMaps)
    {
        var runner = new PodRunner(pod);
        try
        {
            await runner.StartAsync(configMaps.ToDictionary(c => c.Metadata.Name));
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
        return runner;
    }

    /// <summary>The host port on 127.0.0.1 that reaches <paramref name="containerPort"/> inside the pod.</summary>
    public ushort Port(int containerPort) => _pause!.GetMappedPublicPort(containerPort);

    /// <summary>An HTTP base address for a port of the pod.</summary>
    public Uri Address(int containerPort) => new($"http://127.0.0.1:{Port(containerPort)}");

    /// <summary>The pod's IP address on Docker's bridge network (what a Prometheus in another container scrapes).</summary>
    public async Task<string> IpAddressAsync() =>
        (await Docker("inspect", "--format", "{{.NetworkSettings.IPAddress}}", _pause!.Id)).Trim();

    /// <summary>Runs a command in container <paramref name="name"/> and fails unless it exits 0; returns its stdout.</summary>
    public async Task<string> ExecAsync(string name, params string[] command)
    {
        var result = await _containers[name].ExecAsync(command);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(' ', command)} in {name} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        }
        return result.Stdout;
    }

    /// <summary>The Docker container that runs the manifest's container <paramref name="name"/>.</summary>
    public IContainer Container(string name) => _containers[name];

    /// <summary>The manifest's container spec (a container or an init container).</summary>
    public V1Container Spec(string name) => AllContainers.Single(c => c.Name == name);

    private IEnumerable<V1Container> AllContainers => (Pod.Spec.InitContainers ?? []).Concat(Pod.Spec.Containers);

    /// <summary>What the runner did, in order: containers started, startup probes passed, init containers done, containers stopped.</summary>
    public IReadOnlyList<PodEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    private async Task StartAsync(Dictionary<string, V1ConfigMap> configMaps)
    {
        var spec = Pod.Spec;
        var podSecurity = spec.SecurityContext;

        // The pause container: owner of the network namespace, publisher of every port.
        var pauseBuilder = new ContainerBuilder(TestImages.Nginx)
            .WithLabel(Label, Pod.Metadata.Name)
            .WithName($"{Pod.Metadata.Name}-pause-{_suffix}")
            .WithHostname(Pod.Metadata.Name)
            .WithEntrypoint("sleep")
            .WithCommand("2147483647")
            // Docker lets any user bind ports below 1024 in a container; a kubelet's pod does not (only
            // with this sysctl set in the pod spec), so only a container with NET_BIND_SERVICE may.
            .WithCreateParameterModifier(p =>
            {
                p.HostConfig ??= new HostConfig();
                p.HostConfig.Sysctls = new Dictionary<string, string> { ["net.ipv4.ip_unprivileged_port_start"] = "1024" };
                foreach (var sysctl in podSecurity?.Sysctls ?? [])
                {
                    p.HostConfig.Sysctls[sysctl.Name] = sysctl.Value;
                }
            });
        foreach (var port in AllContainers.SelectMany(c => c.Ports ?? []))
        {
            pauseBuilder = pauseBuilder.WithPortBinding(port.ContainerPort, assignRandomHostPort: true);
        }
        _pause = (Logger is null ? pauseBuilder : pauseBuilder.WithLogger(Logger)).Build();
        await _pause.StartAsync();

        // Volumes.
        var mountSources = new Dictionary<string, Func<V1VolumeMount, Mount>>(StringComparer.Ordinal);
        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.EmptyDir is not null)
            {
                string dockerName = $"{Pod.Metadata.Name}-{volume.Name}-{_suffix}";
                var volumeBuilder = new VolumeBuilder().WithName(dockerName).WithLabel(Label, Pod.Metadata.Name);
                var dockerVolume = (Logger is null ? volumeBuilder : volumeBuilder.WithLogger(Logger)).Build();
                await dockerVolume.CreateAsync();
                _volumes.Add(dockerVolume);
                await PrepareEmptyDirAsync(dockerName, podSecurity?.FsGroup);
                mountSources[volume.Name] = m => new Mount
                {
                    Type = "volume",
                    Source = dockerName,
                    Target = m.MountPath,
                    ReadOnly = m.ReadOnlyProperty ?? false,
                    VolumeOptions = new VolumeOptions { NoCopy = true },
                };
            }
            else if (volume.ConfigMap is not null)
            {
                var configMap = configMaps[volume.ConfigMap.Name];
                string folder = Path.Combine(_configMaps.Path, volume.Name);
                Directory.CreateDirectory(folder);
                var mode = (UnixFileMode)(volume.ConfigMap.DefaultMode ?? Convert.ToInt32("644", 8));
                foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
                {
                    string file = Path.Combine(folder, key);
                    await File.WriteAllTextAsync(file, value);
                    File.SetUnixFileMode(file, mode);
                }
                mountSources[volume.Name] = m => new Mount
                {
                    Type = "bind",
                    Source = string.IsNullOrEmpty(m.SubPath) ? folder : Path.Combine(folder, m.SubPath),
                    Target = m.MountPath,
                    ReadOnly = true,
                };
            }
            else
            {
                throw new NotSupportedException($"volume {volume.Name}: only emptyDir and configMap are emulated");
            }
        }

        // Init containers in order, as the kubelet runs them: a plain one must exit 0 before the next
        // starts; a sidecar (restartPolicy: Always) keeps running, and the next starts once it counts as
        // started: at once without a startup probe, else when that probe passes.
        foreach (var init in spec.InitContainers ?? [])
        {
            var container = await StartContainerAsync(init, mountSources, podSecurity);
            if (IsSidecar(init))
            {
                if (init.StartupProbe is { } startup)
                {
                    await WaitForProbeAsync(init, startup, "startup probe");
                    Record(init.Name, "startup probe passed");
                }
                continue;
            }
            using var within = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            long exitCode = await container.GetExitCodeAsync(within.Token);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"init container {init.Name} exited {exitCode}");
            }
            Record(init.Name, "exited 0");
        }

        foreach (var container in spec.Containers)
        {
            await StartContainerAsync(container, mountSources, podSecurity);
        }
    }

    private static bool IsSidecar(V1Container init) => init.RestartPolicy == "Always";

    private async Task<IContainer> StartContainerAsync(
        V1Container container, Dictionary<string, Func<V1VolumeMount, Mount>> mountSources, V1PodSecurityContext? podSecurity)
    {
        string image = await TestImages.ForManifestImage(container.Image);
        var security = container.SecurityContext;
        long? user = security?.RunAsUser ?? podSecurity?.RunAsUser;
        long? group = security?.RunAsGroup ?? podSecurity?.RunAsGroup;
        if ((security?.RunAsNonRoot ?? podSecurity?.RunAsNonRoot) == true)
        {
            await AssertNonRootAsync(container.Name, image, user);
        }
        var builder = new ContainerBuilder(image)
            .WithLabel(Label, Pod.Metadata.Name)
            .WithName($"{Pod.Metadata.Name}-{container.Name}-{_suffix}");
        if (container.Command is { Count: > 0 })
        {
            builder = builder.WithEntrypoint([.. container.Command]);
        }
        if (container.Args is { Count: > 0 })
        {
            builder = builder.WithCommand([.. container.Args]);
        }
        foreach (var env in container.Env ?? [])
        {
            builder = builder.WithEnvironment(env.Name, env.Value ?? "");
        }
        string pauseId = _pause!.Id;
        var mounts = (container.VolumeMounts ?? []).Select(m => mountSources[m.Name](m)).ToList();
        builder = builder.WithCreateParameterModifier(p =>
        {
            p.HostConfig ??= new HostConfig();
            p.HostConfig.NetworkMode = $"container:{pauseId}";
            p.HostConfig.Mounts = [.. p.HostConfig.Mounts ?? [], .. mounts];
            if (user is not null)
            {
                p.User = group is null ? $"{user}" : $"{user}:{group}";
            }
            if (podSecurity?.FsGroup is { } fsGroup)
            {
                p.HostConfig.GroupAdd = [fsGroup.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            }
            p.HostConfig.ReadonlyRootfs = security?.ReadOnlyRootFilesystem ?? false;
            if (security?.AllowPrivilegeEscalation == false)
            {
                p.HostConfig.SecurityOpt = ["no-new-privileges"];
            }
            if (security?.Capabilities?.Drop is { Count: > 0 } drop)
            {
                p.HostConfig.CapDrop = [.. drop];
            }
            if (security?.Capabilities?.Add is { Count: > 0 } add)
            {
                p.HostConfig.CapAdd = [.. add];
            }
            if (container.Resources?.Limits is { } limits)
            {
                if (limits.TryGetValue("memory", out var memory))
                {
                    p.HostConfig.Memory = (long)memory.ToDecimal();
                }
                if (limits.TryGetValue("cpu", out var cpu))
                {
                    p.HostConfig.NanoCPUs = (long)(cpu.ToDecimal() * 1_000_000_000m);
                }
            }
        });
        var started = (Logger is null ? builder : builder.WithLogger(Logger)).Build();
        _containers[container.Name] = started;
        await started.StartAsync();
        Record(container.Name, "started");
        return started;
    }

    // The kubelet refuses to start a container with runAsNonRoot whose user is root (or unknown as a number).
    private static async Task AssertNonRootAsync(string name, string image, long? user)
    {
        string effective = user?.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ?? (await Docker("image", "inspect", "--format", "{{.Config.User}}", image)).Trim().Split(':')[0];
        if (!long.TryParse(effective, out long uid) || uid == 0)
        {
            throw new InvalidOperationException(
                $"container {name} has runAsNonRoot but would run as user '{effective}': the kubelet would not start it");
        }
    }

    /// <summary>Runs <paramref name="probe"/> of container <paramref name="name"/> once (httpGet or tcpSocket, through the pod's published ports).</summary>
    public async Task<bool> ProbeAsync(string name, V1Probe probe)
    {
        var container = Spec(name);
        if (probe.HttpGet is { } http)
        {
            var address = new Uri(Address(ResolvePort(container, http.Port)), http.Path ?? "/");
            try
            {
                using var response = await s_probeClient.GetAsync(address);
                return (int)response.StatusCode is >= 200 and < 400;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }
        if (probe.TcpSocket is { } tcp)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", Port(ResolvePort(container, tcp.Port)));
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }
        throw new NotSupportedException($"probe of {name}: only httpGet and tcpSocket are emulated");
    }

    private static readonly HttpClient s_probeClient = new() { Timeout = TimeSpan.FromSeconds(1) };

    private static int ResolvePort(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, out int number) ? number
            : (container.Ports ?? []).Single(p => p.Name == port.Value).ContainerPort;

    // Probes every periodSeconds until it passes, giving up after failureThreshold failures (the kubelet would
    // then restart the container; here that is a failed start). Generous with slow machines: at least 60 s.
    private async Task WaitForProbeAsync(V1Container container, V1Probe probe, string what)
    {
        var period = TimeSpan.FromSeconds(Math.Max(probe.PeriodSeconds ?? 10, 1));
        var limit = TimeSpan.FromTicks(Math.Max(period.Ticks * (probe.FailureThreshold ?? 3), TimeSpan.FromSeconds(60).Ticks));
        var deadline = DateTime.UtcNow + limit;
        await Task.Delay(TimeSpan.FromSeconds(probe.InitialDelaySeconds ?? 0));
        while (!await ProbeAsync(container.Name, probe))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the {what} of {container.Name} did not pass within {limit.TotalSeconds:F0} s");
            }
            await Task.Delay(TimeSpan.FromTicks(Math.Min(period.Ticks, TimeSpan.FromMilliseconds(100).Ticks)));
        }
    }

    private void Record(string container, string what)
    {
        lock (_events)
        {
            _events.Add(new PodEvent(DateTimeOffset.UtcNow, container, what));
        }
    }

    /// <summary>
    /// Stops the pod's regular containers as the kubelet does when a pod goes (their stop signal, then up to
    /// terminationGracePeriodSeconds), leaving its sidecar init containers running: they stop last, on dispose.
    /// </summary>
    public async Task StopMainContainersAsync()
    {
        string grace = (Pod.Spec.TerminationGracePeriodSeconds ?? 30).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Task.WhenAll(Pod.Spec.Containers.Select(async c =>
        {
            await Docker("stop", "--time", grace, _containers[c.Name].Id);
            Record(c.Name, "stopped");
        }));
    }

    // A kubelet creates an emptyDir world-writable (0777); with fsGroup it also belongs to that group.
    private static async Task PrepareEmptyDirAsync(string dockerVolume, long? fsGroup)
    {
        string script = fsGroup is null ? "chmod 0777 /v" : $"chgrp {fsGroup} /v && chmod 2777 /v";
        await Docker("run", "--rm", "--label", Label, "--entrypoint", "sh", "-v", $"{dockerVolume}:/v", TestImages.Nginx, "-c", script);
    }

    /// <summary>Runs the docker CLI (for what Testcontainers does not expose: top, restart, kill) and returns stdout.</summary>
    public static async Task<string> Docker(params string[] args)
    {
        var (code, stdout, stderr) = await ProcessRun.RunAsync("docker", args);
        if (code != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)} failed ({code}): {stderr}");
        }
        return stdout;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers.Values.Reverse())
        {
            await container.DisposeAsync();
        }
        if (_pause is not null)
        {
            await _pause.DisposeAsync();
        }
        foreach (var volume in _volumes)
        {
            try
            {
                await volume.DeleteAsync();
            }
            catch (Exception)
            {
                // A volume still in use by a container being removed: nothing to keep from the test.
            }
            await volume.DisposeAsync();
        }
        _configMaps.Dispose();
    }
}
