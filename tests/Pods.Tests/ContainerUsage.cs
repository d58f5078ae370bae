using System.Globalization;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>
/// What a container used, and whether it is still the same process: the kernel's peak memory of its
/// cgroup (v1 <c>memory.max_usage_in_bytes</c> or v2 <c>memory.peak</c>), sampled usage from
/// <c>docker stats</c>, and Docker's record of restarts and OOM kills.
/// </summary>
internal sealed partial class ContainerUsage(string containerId)
{
    private double _sampledPeakMiB;

    public double SampledPeakMiB => _sampledPeakMiB;

    /// <summary>Samples <c>docker stats</c> until <paramref name="stop"/>.</summary>
    public async Task SampleAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            string text;
            try
            {
                text = await PodRunner.Docker("stats", "--no-stream", "--format", "{{.MemUsage}}", containerId);
            }
            catch (InvalidOperationException)
            {
                continue;
            }
            var m = MemUsage().Match(text);
            if (m.Success)
            {
                double value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                double mib = m.Groups[2].Value switch { "KiB" => value / 1024, "GiB" => value * 1024, "B" => value / 1048576, _ => value };
                _sampledPeakMiB = Math.Max(_sampledPeakMiB, mib);
            }
        }
    }

    /// <summary>The cgroup's own peak in MiB, or null where this engine's cgroup layout is not known here.</summary>
    public async Task<double?> KernelPeakMiBAsync()
    {
        string id = (await PodRunner.Docker("inspect", "--format", "{{.Id}}", containerId)).Trim();
        string[] candidates =
        [
            $"/sys/fs/cgroup/memory/docker/{id}/memory.max_usage_in_bytes",
            $"/sys/fs/cgroup/memory/system.slice/docker-{id}.scope/memory.max_usage_in_bytes",
            $"/sys/fs/cgroup/system.slice/docker-{id}.scope/memory.peak",
            $"/sys/fs/cgroup/docker/{id}/memory.peak",
        ];
        foreach (string path in candidates)
        {
            if (File.Exists(path))
            {
                return long.Parse((await File.ReadAllTextAsync(path)).Trim(), CultureInfo.InvariantCulture) / 1048576.0;
            }
        }
        return null;
    }

    /// <summary>Running, never restarted or OOM-killed, started at the given time.</summary>
    public async Task<string> StateAsync() =>
        (await PodRunner.Docker("inspect", "--format",
            "running={{.State.Running}} oomkilled={{.State.OOMKilled}} restarts={{.RestartCount}} started={{.State.StartedAt}}", containerId)).Trim();

    [GeneratedRegex(@"^([0-9.]+)(B|KiB|MiB|GiB)")]
    private static partial Regex MemUsage();
}
