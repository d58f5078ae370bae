using k8s.Models;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// The Pod Security Standards (baseline and restricted, as of Kubernetes 1.29 to 1.33) checked on a pod spec the
/// way the API server's admission checks them: pod-level rules once, container rules for every container,
/// init container and ephemeral container, container settings overriding the pod's.
/// https://kubernetes.io/docs/concepts/security/pod-security-standards/
/// </summary>
internal static class PodSecurityStandards
{
    public const string PodWide = "(pod)";

    private static readonly HashSet<string> BaselineCapabilities =
    [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ];

    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ];

    private static readonly HashSet<string> SeLinuxTypes = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

    public static List<PodSecurityCheck> Check(V1PodSpec spec)
    {
        var pod = spec.SecurityContext ?? new V1PodSecurityContext();
        var checks = new List<PodSecurityCheck>
        {
            new(PodWide, "host namespaces", PodSecurityLevel.Baseline, spec.HostNetwork != true && spec.HostPID != true && spec.HostIPC != true),
            new(PodWide, "no hostPath volumes", PodSecurityLevel.Baseline, (spec.Volumes ?? []).All(v => v.HostPath is null)),
            new(PodWide, "safe sysctls only", PodSecurityLevel.Baseline, (pod.Sysctls ?? []).All(s => SafeSysctls.Contains(s.Name))),
            new(PodWide, "volume types", PodSecurityLevel.Restricted, (spec.Volumes ?? []).All(v =>
                v.ConfigMap is not null || v.Csi is not null || v.DownwardAPI is not null || v.EmptyDir is not null
                || v.Ephemeral is not null || v.PersistentVolumeClaim is not null || v.Projected is not null || v.Secret is not null)),
        };
        var containers = (spec.InitContainers ?? []).Concat(spec.Containers)
            .Select(c => (c.Name, c.SecurityContext, c.Ports))
            .Concat((spec.EphemeralContainers ?? []).Select(c => (c.Name, c.SecurityContext, c.Ports)));
        foreach (var (name, own, ports) in containers)
        {
            var security = own ?? new V1SecurityContext();
            var add = security.Capabilities?.Add ?? [];
            var drop = security.Capabilities?.Drop ?? [];
            var seLinux = new[] { security.SeLinuxOptions, pod.SeLinuxOptions };
            string? seccomp = (security.SeccompProfile ?? pod.SeccompProfile)?.Type;
            void Add(string rule, PodSecurityLevel level, bool holds) => checks.Add(new(name, rule, level, holds));

            Add("not privileged", PodSecurityLevel.Baseline, security.Privileged != true);
            Add("not a Windows host process", PodSecurityLevel.Baseline,
                security.WindowsOptions?.HostProcess != true && pod.WindowsOptions?.HostProcess != true);
            Add("adds baseline capabilities only", PodSecurityLevel.Baseline, add.All(BaselineCapabilities.Contains));
            Add("no host ports", PodSecurityLevel.Baseline, (ports ?? []).All(p => p.HostPort is null or 0));
            Add("AppArmor not unconfined", PodSecurityLevel.Baseline,
                security.AppArmorProfile?.Type != "Unconfined" && pod.AppArmorProfile?.Type != "Unconfined");
            Add("SELinux type and no user or role", PodSecurityLevel.Baseline, seLinux.All(o =>
                o is null || (SeLinuxTypes.Contains(o.Type ?? "") && string.IsNullOrEmpty(o.User) && string.IsNullOrEmpty(o.Role))));
            Add("default /proc mount", PodSecurityLevel.Baseline, security.ProcMount is null or "Default");
            Add("seccomp not unconfined", PodSecurityLevel.Baseline,
                security.SeccompProfile?.Type != "Unconfined" && pod.SeccompProfile?.Type != "Unconfined");

            Add("allowPrivilegeEscalation: false", PodSecurityLevel.Restricted, security.AllowPrivilegeEscalation == false);
            Add("runAsNonRoot: true", PodSecurityLevel.Restricted, (security.RunAsNonRoot ?? pod.RunAsNonRoot) == true);
            Add("runAsUser not 0", PodSecurityLevel.Restricted, security.RunAsUser != 0 && pod.RunAsUser != 0);
            Add("seccomp RuntimeDefault or Localhost", PodSecurityLevel.Restricted, seccomp is "RuntimeDefault" or "Localhost");
            Add("drops ALL, adds NET_BIND_SERVICE only", PodSecurityLevel.Restricted,
                drop.Contains("ALL") && add.All(c => c == "NET_BIND_SERVICE"));
        }
        return checks;
    }

    /// <summary>The strictest level whose rules (and those of the levels below) all hold.</summary>
    public static PodSecurityLevel Level(IEnumerable<PodSecurityCheck> checks)
    {
        var list = checks.ToList();
        if (list.Any(c => c.Level == PodSecurityLevel.Baseline && !c.Holds))
        {
            return PodSecurityLevel.Privileged;
        }
        return list.Any(c => c.Level == PodSecurityLevel.Restricted && !c.Holds) ? PodSecurityLevel.Baseline : PodSecurityLevel.Restricted;
    }

    /// <summary>A table: per container, which rules hold and which do not.</summary>
    public static string Describe(IEnumerable<PodSecurityCheck> checks) =>
        string.Join('\n', checks.GroupBy(c => c.Container).Select(g =>
            $"{g.Key}: holds [{string.Join(", ", g.Where(c => c.Holds).Select(c => c.Rule))}]" +
            (g.Any(c => !c.Holds) ? $"; fails [{string.Join(", ", g.Where(c => !c.Holds).Select(c => $"{c.Rule} ({c.Level})"))}]" : "")));
}
