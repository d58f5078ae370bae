using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>What the load tests of a pod share: running a load tool, counting what nginx logged, a container's CPU.</summary>
internal static partial class NginxLoad
{
    /// <summary>Runs a tool (hey, wrk) to its end and returns its output; a failure fails the test.</summary>
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var (code, stdout, stderr) = await ProcessRun.RunAsync(file, args);
        Assert.True(code == 0, $"{file} exited {code}: {stdout}{stderr}");
        return stdout;
    }

    /// <summary>
    /// The requests nginx logged once the load is over: those still in flight when the client stopped are logged a
    /// moment later, and Docker copies nginx's stdout to its log asynchronously, so the count is read again until it
    /// stays the same for a second.
    /// </summary>
    public static async Task<int> SettledLoggedRequests(string nginxId)
    {
        int last = await LoggedRequests(nginxId);
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            int now = await LoggedRequests(nginxId);
            if (now == last)
            {
                return now;
            }
            last = now;
        }
    }

    public static async Task<int> LoggedRequests(string nginxId) =>
        (await PodRunner.Docker("logs", nginxId)).Split('\n').Count(l => RequestLine().IsMatch(l));

    /// <summary>A container's CPU time from its cgroup (cgroup v1 cpuacct, or v2 cpu.stat), in seconds.</summary>
    public static double ContainerCpuSeconds(string id)
    {
        string v1 = $"/sys/fs/cgroup/cpuacct/docker/{id}/cpuacct.usage";
        if (File.Exists(v1))
        {
            return long.Parse(File.ReadAllText(v1).Trim(), CultureInfo.InvariantCulture) / 1e9;
        }
        string v2 = $"/sys/fs/cgroup/system.slice/docker-{id}.scope/cpu.stat";
        string usage = File.ReadLines(v2).First(l => l.StartsWith("usage_usec ", StringComparison.Ordinal));
        return long.Parse(usage["usage_usec ".Length..], CultureInfo.InvariantCulture) / 1e6;
    }

    // A request line of the official `main` format on nginx's stdout.
    [GeneratedRegex(@"^\S+ - \S+ \[[^\]]+\] "".*"" \d{3} \d+ ")]
    private static partial Regex RequestLine();
}
