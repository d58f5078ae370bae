using k8s.Models;
using Xunit.Abstractions;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// The Pod Security level of every pod spec in manifests/, with the rules of "restricted" each container meets
/// listed in the test output.
/// </summary>
public sealed class PodSecurityTests(ITestOutputHelper output)
{
    private List<PodSecurityCheck> CheckAndShow(string what, V1PodSpec spec)
    {
        var checks = PodSecurityStandards.Check(spec);
        output.WriteLine($"{what}: {PodSecurityStandards.Level(checks)}\n{PodSecurityStandards.Describe(checks)}");
        return checks;
    }

    private static List<string> Failing(List<PodSecurityCheck> checks, string container) =>
        [.. checks.Where(c => c.Container == container && !c.Holds).Select(c => c.Rule).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Restricted_overlay_meets_every_rule_of_restricted_in_every_container()
    {
        var checks = CheckAndShow("overlays/restricted", (await WebserverManifests.PodAsync(WebserverManifests.Restricted)).Spec);
        Assert.DoesNotContain(checks, c => !c.Holds);
        Assert.Equal(PodSecurityLevel.Restricted, PodSecurityStandards.Level(checks));
        Assert.Equal([PodSecurityStandards.PodWide, "webserver", "webwatcher"], checks.Select(c => c.Container).Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(WebserverManifests.Base)]
    [InlineData(WebserverManifests.PlainContainers)]
    public async Task Deployment_is_baseline_because_the_official_nginx_runs_as_root_with_four_capabilities(string variant)
    {
        var checks = CheckAndShow(variant, (await WebserverManifests.PodAsync(variant)).Spec);
        Assert.Equal(PodSecurityLevel.Baseline, PodSecurityStandards.Level(checks));
        Assert.Empty(Failing(checks, "webwatcher"));
        Assert.Empty(Failing(checks, PodSecurityStandards.PodWide));
        Assert.Equal(["drops ALL, adds NET_BIND_SERVICE only", "runAsNonRoot: true"], Failing(checks, "webserver"));
    }

    [Theory]
    [InlineData(ManifestFiles.Pods02, "webserver", "webwatcher")]
    [InlineData(ManifestFiles.Pods03, "1st", "2nd")]
    public void Lesson_pods_are_baseline_with_nginx_on_the_official_defaults(string file, string nginx, string sidecar)
    {
        var checks = CheckAndShow(file, ManifestFiles.Pod(file).Spec);
        Assert.Equal(PodSecurityLevel.Baseline, PodSecurityStandards.Level(checks));
        Assert.Empty(Failing(checks, sidecar));
        Assert.Equal(
            ["allowPrivilegeEscalation: false", "drops ALL, adds NET_BIND_SERVICE only", "runAsNonRoot: true", "seccomp RuntimeDefault or Localhost"],
            Failing(checks, nginx));
    }

    [Fact]
    public async Task Privileged_settings_fail_the_check()
    {
        // The check can fail: the restricted pod made privileged, given a hostPath and a dangerous capability.
        var spec = (await WebserverManifests.PodAsync(WebserverManifests.Restricted)).Spec;
        spec.Containers[0].SecurityContext.Privileged = true;
        spec.InitContainers[0].SecurityContext.Capabilities.Add = ["SYS_ADMIN"];
        spec.Volumes.Add(new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/var/log" } });

        var checks = CheckAndShow("restricted, made privileged", spec);

        Assert.Equal(PodSecurityLevel.Privileged, PodSecurityStandards.Level(checks));
        Assert.Contains("not privileged", Failing(checks, "webserver"));
        Assert.Contains("adds baseline capabilities only", Failing(checks, "webwatcher"));
        Assert.Equal(["no hostPath volumes", "volume types"], Failing(checks, PodSecurityStandards.PodWide));
    }
}
