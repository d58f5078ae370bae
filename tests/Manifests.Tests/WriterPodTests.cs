using k8s.Models;

namespace Sidecars.Tests.Manifests;

/// <summary>pods03.yaml: the lesson's `mc1` with the writer as `2nd`.</summary>
public sealed class WriterPodTests
{
    private readonly V1Pod pod = ManifestFiles.Pod(ManifestFiles.Pods03);

    private V1Container Nginx => pod.Container("1st");

    private V1Container Writer => pod.Container("2nd");

    [Fact]
    public void Names_from_the_lesson_are_kept()
    {
        Assert.Equal("mc1", pod.Metadata.Name);
        Assert.Equal(["1st", "2nd"], pod.Spec.Containers.Select(c => c.Name));
        var html = Assert.Single(pod.Spec.Volumes);
        Assert.Equal("html", html.Name);
        Assert.NotNull(html.EmptyDir);
        Assert.Equal(new VolumePath("html", "", false), Nginx.MustResolve("/usr/share/nginx/html"));
        Assert.Equal(new VolumePath("html", "", false), Writer.MustResolve("/html"));
    }

    [Fact]
    public void Writer_image_is_the_placeholder_users_replace()
    {
        Assert.Equal("example.registry/sidecars/writer:0.1.0", Writer.Image);
    }

    [Fact]
    public void Writer_runs_hardened_as_uid_1654()
    {
        SidecarChecks.AssertHardened(pod, Writer);
    }

    [Fact]
    public void Nginx_keeps_the_official_image_defaults()
    {
        SidecarChecks.AssertOfficialNginxDefaults(pod, Nginx);
        Assert.Null(Nginx.Command);
        Assert.Null(Nginx.Args);
    }

    [Fact]
    public void Writer_probes_use_its_probe_port()
    {
        SidecarChecks.AssertProbesOnProbePort(Writer, 9146, 8090);
    }

    [Fact]
    public void Writer_has_requests_and_limits()
    {
        SidecarChecks.AssertResources(Writer, "10m", "16Mi", "100m", "64Mi");
    }

    [Fact]
    public void Scrape_annotations_point_at_the_writer_metrics_port()
    {
        SidecarChecks.AssertScrapeAnnotations(pod, Writer);
    }

    [Fact]
    public void Pod_carries_the_sidecars_labels()
    {
        SidecarChecks.AssertSidecarsLabels(pod);
    }

    [Fact]
    public void Page_the_writer_writes_by_default_is_the_page_nginx_serves()
    {
        // The writer's default Writer:Path; the manifest relies on it and does not set it.
        const string defaultWriterPath = "/html/index.html";
        Assert.DoesNotContain(Writer.Env, e => e.Name == "Writer__Path");
        Assert.Equal(
            Nginx.MustResolve("/usr/share/nginx/html/index.html"),
            Writer.MustResolve(defaultWriterPath));
    }

    [Fact]
    public void Line_limit_keeps_the_page_under_the_volume_size_limit()
    {
        var maxLines = long.Parse(Writer.Env("Writer__MaxLines"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(86_400, maxLines);
        // A `date` line is about 30 bytes; allow 64, and twice that for a rewrite through a temporary file.
        const long generousLineBytes = 64;
        var sizeLimit = SidecarChecks.Bytes(pod.Volume("html").EmptyDir.SizeLimit);
        Assert.Equal(16L * 1024 * 1024, sizeLimit);
        Assert.True(2 * maxLines * generousLineBytes < sizeLimit, $"{maxLines} lines may not fit in {sizeLimit} bytes");
    }
}
