using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>A bad setting stops the built watcher with exit code 2 and one line naming it.</summary>
[Collection(WatcherProcess.Collection)]
public sealed class OptionsErrorTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-options");

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, string> Errors => new()
    {
        { "--Watcher:Path=/no/such/folder/access.log", "Watcher:Path folder /no/such/folder does not exist" },
        { "--Watcher:StartAt=middle", "Watcher:StartAt must be \"beginning\" or \"end\" (got \"middle\")" },
        { "--Watcher:StateDirectory=/no/such/state", "Watcher:StateDirectory /no/such/state does not exist" },
        { "--Watcher:MaxLineBytes=10", "Watcher:MaxLineBytes must be between 256 and 16777216 (got 10)" },
        { "--Watcher:ReadInterval=00:00:00.001", "Watcher:ReadInterval must be between 10ms and 1m (got 1ms)" },
        { "--Watcher:ReadInterval=2m", "Watcher:ReadInterval must be between 10ms and 1m (got 2m)" },
        { "--Watcher:ReadInterval=fast", "Watcher:ReadInterval: \"fast\" is not a duration such as 250ms, 5s, 1m30s or 1h (or 00:00:05)" },
        { "--Watcher:CatchUpTimeout=11s", "Watcher:CatchUpTimeout must be between 0s (scrapes do not wait) and 10s, below Prometheus' scrape timeout (got 11s)" },
        { "--Watcher:CatchUpTimeout=-00:00:01", "Watcher:CatchUpTimeout must be between 0s (scrapes do not wait) and 10s, below Prometheus' scrape timeout (got -1s)" },
        { "--Watcher:MaxLabelSets=many", "Watcher:MaxLabelSets: \"many\" is not a whole number" },
        { "--Watcher:StatusClasses=maybe", "Watcher:StatusClasses: \"maybe\" is not true or false" },
        { "--Watcher:Routes:0:Name=Bad-Name --Watcher:Routes:0:Pattern=/x", "Watcher:Routes:0:Name must be lowercase letters, digits and _ (got \"Bad-Name\")" },
        { "--Watcher:DurationBuckets:0=1", "" },
        { "--Watcher:Routes:0:Name=a --Watcher:Routes:0:Pattern=/a --Watcher:Routes:1:Name=a --Watcher:Routes:1:Pattern=b", "Watcher:Routes:1:Name \"a\" is used twice; Watcher:Routes:1:Pattern must start with / (got \"b\")" },
        { "--Watcher:Routes:0:Name=users --Watcher:Routes:0:Regex=^/users/([0-9]+$", "Watcher:Routes:0:Regex is not a valid regular expression: Not enough )'s at position 16 (got \"^/users/([0-9]+$\")" },
        { "--Watcher:Routes:0:Name=api --Watcher:Routes:0:Regex=^/api/(?<version>v[0-9]+)/ --Watcher:Routes:0:Replacement=/api/${ver}", "Watcher:Routes:0:Replacement names the group \"ver\", which the Regex does not have (its groups: version) (got \"/api/${ver}\")" },
        { "--Watcher:Routes:0:Name=a --Watcher:Routes:0:Pattern=/a --Watcher:Routes:0:Regex=^/a --Watcher:Routes:1:Name=b", "Watcher:Routes:0 has both a Pattern and a Regex: give one; Watcher:Routes:1 needs a Pattern (a path prefix or glob) or a Regex" },
        { "--Watcher:Routes:0:Name=a --Watcher:Routes:0:Pattern=/ --Watcher:Routes:0:Host=^api\\.", "Watcher:Routes:0:Host needs $host in the log format, which has none (got \"^api\\.\")" },
        { "--Watcher:Listen=tcp://127.0.0.1:514", "Watcher:Listen takes unixgram:/PATH (a Unix datagram socket the watcher creates) or udp://IP:PORT (e.g. udp://127.0.0.1:5514) (got \"tcp://127.0.0.1:514\")" },
        { "--Watcher:MaxLabelSets=0", "Watcher:MaxLabelSets must be between 1 and 10000 (got 0)" },
        { "--Watcher:NativeHistograms=0.9", "Watcher:NativeHistograms must be 0 (off) or a bucket factor above 1, e.g. 1.1 (got 0.9)" },
        { "--Watcher:FormatFile=/no/such/nginx.conf", "Watcher:FormatName must name the log_format to read from Watcher:FormatFile" },
        { "--Watcher:Format=combind", "Watcher:Format: unknown format name \"combind\" (the names are main, combined; a log_format string has $variables); did you mean combined?" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Bad_setting_exits_with_code_2_and_one_line_naming_it(string arg, string expected)
    {
        if (expected.Length == 0)
        {
            // Not an error by itself: paired below with a decreasing second bucket.
            var (code, _, stderr) = await WatcherProcess.RunToEndAsync(
                $"--Watcher:Path={_folder.File("access.log")}", arg, "--Watcher:DurationBuckets:1=0.5", "--Http:Port=1");
            Assert.Equal(2, code);
            Assert.Equal("watcher: configuration error: Watcher:DurationBuckets must be strictly increasing (got 1 0.5)", stderr.Trim());
            return;
        }
        string[] args = arg.StartsWith("--Watcher:Path", StringComparison.Ordinal)
            ? [arg, "--Http:Port=1"]
            : [$"--Watcher:Path={_folder.File("access.log")}", .. arg.Split(' '), "--Http:Port=1"];
        var (exitCode, _, error) = await WatcherProcess.RunToEndAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Equal($"watcher: configuration error: {expected}", error.Trim());
    }

    [Theory]
    [InlineData("ro,size=256k", "", "is not writable: ")]
    [InlineData("size=256k", "--Watcher:MaxLabelSets=10000", "has no room for the state: it needs up to 2 x ")]
    public async Task A_state_folder_it_cannot_use_stops_the_watcher_before_anything_starts(string mountOptions, string setting, string expected)
    {
        // Given a state folder on a volume the watcher cannot use: read-only, or too small for the state's two slots
        // (a tmpfs; mounting needs root, as CI has)
        string state = Directory.CreateDirectory(_folder.File("state")).FullName;
        var (mounted, _, mountError) = await ProcessRun.RunAsync("mount", ["-t", "tmpfs", "-o", mountOptions, "tmpfs", state]);
        Assert.True(mounted == 0, $"mounting a tmpfs needs root (CI runs as root): {mountError}");
        try
        {
            // When the watcher starts with it
            string[] args = [$"--Watcher:Path={_folder.File("access.log")}", $"--Watcher:StateDirectory={state}", .. setting.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--Http:Port=1"];
            var (exitCode, stdout, error) = await WatcherProcess.RunToEndAsync(args);

            // Then it stops with exit code 2 and one line naming the setting, before anything else started or logged
            Assert.Equal(2, exitCode);
            Assert.Single(error.Trim().Split('\n'));
            Assert.StartsWith($"watcher: configuration error: Watcher:StateDirectory {state} {expected}", error.Trim(), StringComparison.Ordinal);
            Assert.Equal("", stdout.Trim());
        }
        finally
        {
            await ProcessRun.RunAsync("umount", [state]);
        }
    }

    [Fact]
    public async Task Invalid_format_names_the_position()
    {
        var (exitCode, _, error) = await WatcherProcess.RunToEndAsync(
            $"--Watcher:Path={_folder.File("access.log")}", "--Watcher:Format=$remote_addr$status", "--Http:Port=1");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("watcher: configuration error: Watcher:Format: ", error.Trim(), StringComparison.Ordinal);
        Assert.Contains("position", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Missing_log_format_name_in_the_nginx_config_is_one_clear_line()
    {
        File.WriteAllText(_folder.File("nginx.conf"), "http { log_format main '$remote_addr $status'; }");
        var (exitCode, _, error) = await WatcherProcess.RunToEndAsync(
            $"--Watcher:Path={_folder.File("access.log")}", $"--Watcher:FormatFile={_folder.File("nginx.conf")}",
            "--Watcher:FormatName=nosuch", "--Http:Port=1");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("watcher: configuration error: Watcher:FormatFile: ", error.Trim(), StringComparison.Ordinal);
        Assert.Contains("nosuch", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }
}
