using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>Pod <c>mc1</c> as manifests/pods03.yaml describes it: nginx serving the page the writer appends to.</summary>
public sealed partial class WriterPodTests : IAsyncLifetime
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private PodRunner _pod = null!;

    public async Task InitializeAsync() =>
        _pod = await PodRunner.StartAsync("mc1", RepositoryLayout.PathOf("manifests", "pods03.yaml"));

    public async Task DisposeAsync() => await _pod.DisposeAsync();

    [Fact]
    public async Task Nginx_serves_one_date_line_per_second_with_no_gaps_and_the_metrics_agree()
    {
        // Given the pod is up and the page has its first line
        var page = _pod.Address(80);
        var metrics = new Uri(_pod.Address(9146), "/metrics");
        await Eventually.Holds(async () => (await Lines(page)).Length > 0, TimeSpan.FromSeconds(20), "the first line on the page");

        // When we watch it for more than three seconds
        var first = await Lines(page);
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var later = await Lines(page);

        // Then every line has the format of `date` and they are exactly one second apart
        Assert.True(later.Length >= first.Length + 3, $"page grew from {first.Length} to {later.Length} lines in 3.5 s");
        Assert.Equal(first, later[..first.Length]);
        var times = later.Select(ParseDate).ToArray();
        for (int i = 1; i < times.Length; i++)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), times[i] - times[i - 1]);
        }

        // And the writer's own count, read through the pod's network, is the number of lines
        await Eventually.Holds(async () =>
        {
            double before = await MetricValue(metrics, "writer_lines_written_total");
            int lines = (await Lines(page)).Length;
            double after = await MetricValue(metrics, "writer_lines_written_total");
            return before == after && before == lines;
        }, TimeSpan.FromSeconds(10), "writer_lines_written_total equal to the lines on the page");
    }

    [Fact]
    public async Task The_writer_runs_as_uid_1654_on_a_read_only_root_filesystem()
    {
        var writer = _pod.Container("2nd");
        await Eventually.Holds(async () => (await MetricValue(new Uri(_pod.Address(9146), "/metrics"), "writer_lines_written_total")) > 0,
            TimeSpan.FromSeconds(20), "a first line written");

        string top = await PodRunner.Docker("top", writer.Id, "-eo", "pid,uid,comm");
        Assert.Contains(top.Split('\n').Skip(1), row => Regex.IsMatch(row, @"^\s*[0-9]+\s+1654\s+writer\s*$"));
        Assert.Equal("true", (await PodRunner.Docker("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", writer.Id)).Trim());
        // No shell in the image: the container cannot even start one.
        var exec = await writer.ExecAsync(["sh", "-c", "true"]);
        Assert.NotEqual(0, exec.ExitCode);
    }

    [Fact]
    public async Task Docker_stop_ends_the_writer_with_exit_code_0_within_2_seconds()
    {
        var writer = _pod.Container("2nd");
        await Eventually.Holds(async () => (await MetricValue(new Uri(_pod.Address(9146), "/metrics"), "writer_lines_written_total")) > 0,
            TimeSpan.FromSeconds(20), "a first line written");

        var clock = Stopwatch.StartNew();
        await PodRunner.Docker("stop", "--time", "10", writer.Id);
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"docker stop took {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal("0", (await PodRunner.Docker("inspect", "--format", "{{.State.ExitCode}}", writer.Id)).Trim());
    }

    private static async Task<string[]> Lines(Uri page)
    {
        using var response = await s_http.GetAsync(page);
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }
        string body = await response.Content.ReadAsStringAsync();
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static DateTime ParseDate(string line)
    {
        // `date` pads the day of month with a space: "Wed Jan  8 08:59:14 UTC 2020".
        Assert.Matches(DateLine(), line);
        return DateTime.ParseExact(line.Replace("  ", " ", StringComparison.Ordinal), "ddd MMM d HH:mm:ss 'UTC' yyyy",
            CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    private static async Task<double> MetricValue(Uri metrics, string name) =>
        Exposition.Value(await s_http.GetStringAsync(metrics), name);

    [GeneratedRegex(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( [1-9]|[12][0-9]|3[01]) [0-2][0-9]:[0-5][0-9]:[0-5][0-9] UTC [0-9]{4}$")]
    private static partial Regex DateLine();
}
