using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s.Models;
using Sidecars.Testing;

namespace Sidecars.Tests.Manifests;

/// <summary>nginx-log-format.yaml: the log format nginx and the watcher share, and the log rotation.</summary>
public sealed partial class LogFormatConfigMapTests
{
    private const string Combined =
        "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";

    private readonly V1ConfigMap configMap = ManifestFiles.LogFormatConfigMap();

    private string Config => configMap.Data["log-format.conf"];

    private string Script => configMap.Data["rotate-and-run.sh"];

    [GeneratedRegex(@"^(?<name>[A-Z]+)=(?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex ScriptVariable();

    private Dictionary<string, string> ScriptVariables() =>
        ScriptVariable().Matches(Script).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);

    [Fact]
    public void Sidecar_format_is_combined_followed_by_timings_and_sizes()
    {
        var format = NginxConfigText.LogFormat(Config, "sidecar");
        Assert.Equal(
            Combined + " rt=$request_time uct=\"$upstream_connect_time\" uht=\"$upstream_header_time\""
                + " urt=\"$upstream_response_time\" bs=$bytes_sent rl=$request_length",
            format);
    }

    [Fact]
    public async Task Nginx_accepts_the_log_format()
    {
        using var folder = new TempFolder("manifests-nginx");
        // Same config, the log redirected into the temp folder (nginx -t opens log files).
        File.WriteAllText(folder.File("log-format.conf"), Config.Replace("/var/log/nginx/shared/", folder.Path + "/", StringComparison.Ordinal));
        File.WriteAllText(folder.File("nginx.conf"), $"events {{}}\nhttp {{\n  include {folder.File("log-format.conf")};\n}}\n");

        var result = await ExternalTool.RunAsync(
            "nginx",
            ["-t", "-q", "-p", folder.Path, "-c", folder.File("nginx.conf"), "-e", folder.File("error.log"), "-g", $"pid {folder.File("nginx.pid")};"]);

        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public async Task Rotation_script_is_valid_shell()
    {
        using var folder = new TempFolder("manifests-sh");
        File.WriteAllText(folder.File("rotate-and-run.sh"), Script);
        var result = await ExternalTool.RunAsync("sh", ["-n", folder.File("rotate-and-run.sh")]);
        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public void Rotation_script_rotates_the_log_nginx_writes_and_then_runs_nginx_as_the_image_does()
    {
        Assert.StartsWith("#!/bin/sh\n", Script, StringComparison.Ordinal);
        var (path, _) = Assert.Single(NginxConfigText.AccessLogs(Config));
        Assert.Equal(path, ScriptVariables()["LOG"]);
        Assert.EndsWith("exec /docker-entrypoint.sh nginx -g 'daemon off;'\n", Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Rotated_pair_of_logs_stays_under_the_volume_size_limit()
    {
        var limit = long.Parse(ScriptVariables()["LIMIT"], System.Globalization.CultureInfo.InvariantCulture);
        var interval = long.Parse(ScriptVariables()["INTERVAL"], System.Globalization.CultureInfo.InvariantCulture);
        var sizeLimit = SidecarChecks.Bytes(ManifestFiles.Pod(ManifestFiles.Pods02).Volume("logs").EmptyDir.SizeLimit);

        // Each of access.log and access.log.1 holds at most LIMIT plus one INTERVAL of writes.
        const long supportedBytesPerSecond = 1_000_000;
        Assert.True(
            2 * (limit + (interval * supportedBytesPerSecond)) < sizeLimit,
            $"limit {limit} checked every {interval} s may outgrow the {sizeLimit} byte volume");
    }

    [Fact]
    public async Task Rotation_script_moves_a_full_log_aside_and_asks_nginx_to_reopen()
    {
        // Given the script with a small limit, a short interval, a stand-in `nginx` that records its
        // arguments, and the final exec replaced by a sleep
        using var folder = new TempFolder("manifests-rotate");
        var log = folder.File("access.log");
        var script = ScriptVariable().Replace(Script, m => m.Groups["name"].Value switch
        {
            "LOG" => $"LOG={log}",
            "LIMIT" => "LIMIT=100",
            "INTERVAL" => "INTERVAL=0.1",
            _ => m.Value,
        }).Replace("exec /docker-entrypoint.sh nginx -g 'daemon off;'", "exec sleep 30", StringComparison.Ordinal);
        Assert.Contains("exec sleep 30", script, StringComparison.Ordinal);
        File.WriteAllText(folder.File("rotate-and-run.sh"), script);
        File.WriteAllText(folder.File("nginx"), $"#!/bin/sh\necho \"$*\" >> {folder.File("nginx-calls")}\n: > {log}\n");
        File.SetUnixFileMode(folder.File("nginx"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        File.WriteAllText(log, new string('x', 50));

        var start = new ProcessStartInfo("sh") { ArgumentList = { folder.File("rotate-and-run.sh") } };
        start.Environment["PATH"] = folder.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = ExternalTool.Start(start);
        try
        {
            // When the log stays under the limit, then grows over it
            await Task.Delay(300);
            Assert.False(File.Exists(log + ".1"), "rotated below the limit");
            File.AppendAllText(log, new string('y', 100));

            // Then it is moved aside whole and nginx is told to reopen
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.Exists(folder.File("nginx-calls")) || File.ReadAllText(folder.File("nginx-calls")).Length == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "no rotation within 10 s");
                await Task.Delay(20);
            }
            Assert.Equal("-s reopen\n", File.ReadAllText(folder.File("nginx-calls")));
            Assert.Equal(150, new FileInfo(log + ".1").Length);
            Assert.False(process.HasExited, "nginx (here: sleep) should still run in the foreground");
        }
        finally
        {
            // The background loop is a child of the script's process: end both.
            process.Kill(entireProcessTree: true);
        }
    }
}
