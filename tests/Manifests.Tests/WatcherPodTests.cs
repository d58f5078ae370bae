using k8s.Models;

namespace Sidecars.Tests.Manifests;

/// <summary>pods02.yaml: the lesson's `webserver` with the watcher as `webwatcher`.</summary>
public sealed class WatcherPodTests
{
    private readonly V1Pod pod = ManifestFiles.Pod(ManifestFiles.Pods02);
    private readonly V1ConfigMap logFormat = ManifestFiles.LogFormatConfigMap();

    private V1Container Nginx => pod.Container("webserver");

    private V1Container Watcher => pod.Container("webwatcher");

    private string NginxConfig => logFormat.Data["log-format.conf"];

    /// <summary>The ConfigMap key a container sees at <paramref name="path"/>.</summary>
    private string ConfigMapKeyAt(V1Container container, string path)
    {
        var resolved = container.MustResolve(path);
        Assert.Equal(logFormat.Metadata.Name, pod.Volume(resolved.Volume).ConfigMap?.Name);
        Assert.True(resolved.ReadOnly, $"{path} is mounted read-write in {container.Name}");
        Assert.Contains(resolved.PathInVolume, logFormat.Data.Keys);
        return resolved.PathInVolume;
    }

    [Fact]
    public void Names_from_the_lesson_are_kept()
    {
        Assert.Equal("webserver", pod.Metadata.Name);
        Assert.Equal(["webserver", "webwatcher"], pod.Spec.Containers.Select(c => c.Name));
    }

    [Fact]
    public void Watcher_image_is_the_placeholder_users_replace()
    {
        Assert.Equal("example.registry/sidecars/watcher:0.1.0", Watcher.Image);
    }

    [Fact]
    public void Watcher_runs_hardened_as_uid_1654()
    {
        SidecarChecks.AssertHardened(pod, Watcher);
    }

    [Fact]
    public void Nginx_keeps_the_official_image_defaults_apart_from_its_command()
    {
        SidecarChecks.AssertOfficialNginxDefaults(pod, Nginx);
        Assert.Null(Nginx.Args);
    }

    [Fact]
    public void Watcher_probes_use_its_probe_port()
    {
        SidecarChecks.AssertProbesOnProbePort(Watcher, 9145, 8090);
    }

    [Fact]
    public void Watcher_has_requests_and_limits()
    {
        SidecarChecks.AssertResources(Watcher, "20m", "32Mi", "200m", "128Mi");
    }

    [Fact]
    public void Scrape_annotations_point_at_the_watcher_metrics_port()
    {
        SidecarChecks.AssertScrapeAnnotations(pod, Watcher);
    }

    [Fact]
    public void Pod_carries_the_sidecars_labels()
    {
        SidecarChecks.AssertSidecarsLabels(pod);
    }

    [Fact]
    public void Watcher_reads_the_log_format_nginx_writes_with()
    {
        var key = ConfigMapKeyAt(Watcher, Watcher.Env("Watcher__FormatFile"));
        Assert.Equal("log-format.conf", key);

        var formatName = Watcher.Env("Watcher__FormatName");
        Assert.Equal("sidecar", formatName);
        Assert.Contains("$request_time", NginxConfigText.LogFormat(logFormat.Data[key], formatName), StringComparison.Ordinal);
        Assert.Contains(NginxConfigText.AccessLogs(logFormat.Data[key]), log => log.Format == formatName);
    }

    [Fact]
    public void Nginx_includes_the_log_format_from_conf_d()
    {
        // The official image includes /etc/nginx/conf.d/*.conf inside `http {}`.
        const string included = "/etc/nginx/conf.d/log-format.conf";
        Assert.Equal("log-format.conf", ConfigMapKeyAt(Nginx, included));
        // A subPath mount: the image's default.conf next to it stays.
        Assert.Contains(Nginx.VolumeMounts, m => m.MountPath == included && m.SubPath == "log-format.conf");
    }

    [Fact]
    public void Watcher_reads_the_file_nginx_writes_through_a_read_only_mount()
    {
        var (path, _) = Assert.Single(NginxConfigText.AccessLogs(NginxConfig));
        var written = Nginx.MustResolve(path);
        var read = Watcher.MustResolve(Watcher.Env("Watcher__Path"));

        Assert.Equal("logs", written.Volume);
        Assert.False(written.ReadOnly);
        Assert.True(read.ReadOnly, "the watcher only reads the log");
        Assert.Equal(written with { ReadOnly = true }, read);
        var logs = pod.Volume("logs").EmptyDir;
        Assert.NotNull(logs);
        Assert.Equal(64L * 1024 * 1024, SidecarChecks.Bytes(logs.SizeLimit));
    }

    [Fact]
    public void Nginx_still_logs_requests_to_stdout()
    {
        // The image links /var/log/nginx/access.log to stdout; a mount over /var/log/nginx would hide that link.
        Assert.Null(Nginx.Resolve("/var/log/nginx/access.log"));
        Assert.DoesNotContain(NginxConfigText.Statements(NginxConfig), s => s is ["access_log", "off", ..]);
    }

    [Fact]
    public void Watcher_state_lives_on_its_own_empty_dir()
    {
        var state = Watcher.MustResolve(Watcher.Env("Watcher__StateDirectory"));
        Assert.Equal("watcher-state", state.Volume);
        Assert.False(state.ReadOnly);
        Assert.NotNull(pod.Volume(state.Volume).EmptyDir);
        Assert.Equal(1024L * 1024, SidecarChecks.Bytes(pod.Volume(state.Volume).EmptyDir.SizeLimit));
        Assert.DoesNotContain(Nginx.VolumeMounts, m => m.Name == state.Volume);
        Assert.Single(Watcher.VolumeMounts, m => m.Name == state.Volume);
    }

    [Fact]
    public void Nginx_starts_through_the_rotation_script_of_the_config_map()
    {
        var script = Assert.Single(Nginx.Command);
        Assert.Equal("rotate-and-run.sh", ConfigMapKeyAt(Nginx, script));
        var mode = pod.Volume(Nginx.MustResolve(script).Volume).ConfigMap.DefaultMode;
        Assert.Equal(Convert.ToInt32("555", 8), mode);
    }
}
