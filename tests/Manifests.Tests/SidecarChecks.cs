using k8s.Models;

namespace Sidecars.Tests.Manifests;

/// <summary>What both sidecar containers promise: hardening, probes on their own port, resources, scrape annotations.</summary>
internal static class SidecarChecks
{
    public const long AppUid = 1654;

    public static void AssertHardened(V1Pod pod, V1Container container)
    {
        var own = container.SecurityContext ?? new V1SecurityContext();
        var podLevel = pod.Spec.SecurityContext ?? new V1PodSecurityContext();

        // Container settings override the pod's; these four may be set at either level.
        Assert.True(own.RunAsNonRoot ?? podLevel.RunAsNonRoot, "runAsNonRoot");
        Assert.Equal(AppUid, own.RunAsUser ?? podLevel.RunAsUser);
        Assert.Equal(AppUid, own.RunAsGroup ?? podLevel.RunAsGroup);
        Assert.Equal("RuntimeDefault", (own.SeccompProfile ?? podLevel.SeccompProfile)?.Type);

        Assert.True(own.ReadOnlyRootFilesystem, "readOnlyRootFilesystem");
        Assert.False(own.AllowPrivilegeEscalation ?? true, "allowPrivilegeEscalation");
        Assert.Contains("ALL", own.Capabilities?.Drop ?? []);
        Assert.Empty(own.Capabilities?.Add ?? []);
        Assert.NotEqual(true, own.Privileged);

        // The emptyDirs become group 1654, so the sidecar can write where nginx (root) reads.
        Assert.Equal(AppUid, podLevel.FsGroup);
    }

    /// <summary>nginx runs as the official image defines it: as root, its own command unless stated.</summary>
    public static void AssertOfficialNginxDefaults(V1Pod pod, V1Container nginx)
    {
        Assert.Equal("nginx:1.27", nginx.Image);
        Assert.Null(nginx.SecurityContext);
        var podLevel = pod.Spec.SecurityContext;
        // Pod-level user settings would apply to nginx too and stop it binding port 80.
        Assert.Null(podLevel?.RunAsUser);
        Assert.Null(podLevel?.RunAsGroup);
        Assert.NotEqual(true, podLevel?.RunAsNonRoot);
        var http = Assert.Single(nginx.Ports);
        Assert.Equal(80, http.ContainerPort);
        Assert.Equal("http", http.Name);
    }

    public static void AssertProbesOnProbePort(V1Container container, int metricsPort, int probePort)
    {
        var metrics = Assert.Single(container.Ports, p => p.Name == "metrics");
        Assert.Equal(metricsPort, metrics.ContainerPort);
        var probes = Assert.Single(container.Ports, p => p.Name == "probes");
        Assert.Equal(probePort, probes.ContainerPort);
        // The sidecar serves the probe port only when told to, on the port the container declares.
        Assert.Equal(probePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Assert.Single(container.Env, e => e.Name == "Http__ProbePort").Value);

        Assert.Equal("/healthz", container.LivenessProbe?.HttpGet?.Path);
        Assert.Equal("/readyz", container.ReadinessProbe?.HttpGet?.Path);
        foreach (var probe in new[] { container.LivenessProbe!, container.ReadinessProbe! })
        {
            // A probe naming a port that no container declares never succeeds.
            Assert.Equal(probes.Name, probe.HttpGet.Port.Value);
        }
    }

    public static void AssertResources(V1Container container, string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit)
    {
        var resources = container.Resources;
        Assert.Equal(new ResourceQuantity(cpuRequest), resources.Requests["cpu"]);
        Assert.Equal(new ResourceQuantity(memoryRequest), resources.Requests["memory"]);
        Assert.Equal(new ResourceQuantity(cpuLimit), resources.Limits["cpu"]);
        Assert.Equal(new ResourceQuantity(memoryLimit), resources.Limits["memory"]);
        foreach (var kind in new[] { "cpu", "memory" })
        {
            Assert.True(resources.Requests[kind].ToDecimal() <= resources.Limits[kind].ToDecimal(), $"{kind} request above limit");
        }
    }

    public static void AssertScrapeAnnotations(V1Pod pod, V1Container container)
    {
        var annotations = pod.Metadata.Annotations;
        var metrics = Assert.Single(container.Ports, p => p.Name == "metrics");
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(metrics.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }

    public static void AssertSidecarsLabels(V1Pod pod)
    {
        var labels = pod.Metadata.Labels;
        Assert.Equal(pod.Metadata.Name, labels["app.kubernetes.io/name"]);
        Assert.Equal("sidecars", labels["app.kubernetes.io/part-of"]);
    }

    public static long Bytes(ResourceQuantity quantity) => quantity.ToInt64();
}
