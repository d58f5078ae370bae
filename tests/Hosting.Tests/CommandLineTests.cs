using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting;

/// <summary>The command line both services share, read in-process (the services' own are tested on their binaries).</summary>
public sealed class CommandLineTests
{
    /// <summary>Settings of a made-up service, as an options class declares them.</summary>
    public sealed class ProbeOptions
    {
        public string Path { get; set; } = "";
        public TimeSpan Interval { get; set; }
        public List<string> Items { get; set; } = [];
        public bool Computed => Path.Length > 0;
    }

    private static CommandLineSyntax Syntax(bool once) =>
        new CommandLineSyntax("probe", "Usage: probe [SETTINGS]\n") { AcceptsOnce = once }.WithSection<ProbeOptions>("Probe");

    private static CommandLine Parse(bool once, params string[] args) => CommandLine.Parse(args, Syntax(once));

    private static (int? ExitCode, string Stdout, string Stderr) Answer(CommandLine command)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int? code = command.Answer(stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--Probe:Path=/x", "--help")]
    public void Help_prints_the_usage_on_stdout_and_exits_0(params string[] args)
    {
        var (code, stdout, stderr) = Answer(Parse(false, args));

        Assert.Equal(0, code);
        Assert.Equal("Usage: probe [SETTINGS]\n", stdout);
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData("--help", "--Http:Port=19160")]
    [InlineData("--help", "--bogus")]
    [InlineData("--Http:Port", "--help")]
    [InlineData("--version", "--help")]
    public void Help_takes_no_value_and_wins_over_every_other_argument(params string[] args)
    {
        Assert.Equal(CommandKind.Help, Parse(true, args).Kind);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    [InlineData("--version", "--Http:Port=19160")]
    public void Version_prints_the_version_and_the_commit_and_exits_0(params string[] args)
    {
        var (code, stdout, _) = Answer(Parse(false, args));

        Assert.Equal(0, code);
        // The entry assembly here is the test host: the services' own version is tested on their binaries.
        Assert.Matches(@"^probe \S+ \(commit \S+, \.NET [^,]+, [a-z]+-[a-z0-9]+\)\n$", stdout);
    }

    [Theory]
    [InlineData("0.1.0+12d7bbb8137890496091c22528ed0278c5b86781", "12d7bbb81378")]
    [InlineData("0.1.0+12d7bbb81378-dirty", "12d7bbb81378-dirty")]
    [InlineData("0.1.0+unknown", null)]
    [InlineData("0.1.0", null)]
    public void The_commit_comes_from_the_informational_version(string informationalVersion, string? commit)
    {
        Assert.Equal(commit, BuildInfo.CommitOf(informationalVersion));
    }

    [Theory]
    [InlineData("probe: unknown flag --bogus; see probe --help\n", "--bogus")]
    [InlineData("probe: unknown flag -x; see probe --help\n", "--Probe:Path=/a", "-x")]
    [InlineData("probe: unknown flag --once; see probe --help\n", "--once", "a.log")]
    [InlineData("probe: unknown flag --Path (did you mean --Probe:Path?); see probe --help\n", "--Path=/a")]
    [InlineData("probe: unknown setting Probe:Pth (did you mean Probe:Path?); see probe --help\n", "--Probe:Pth=/a")]
    [InlineData("probe: unknown setting Probe:Computed (known: Http:..., Log:..., Probe:...); see probe --help\n", "--Probe:Computed=true")]
    [InlineData("probe: unknown setting Nope:Path (known: Http:..., Log:..., Probe:...); see probe --help\n", "--Nope:Path=/a")]
    [InlineData("probe: unexpected argument \"stray\" (settings are written --Section:Key=VALUE); see probe --help\n", "stray")]
    [InlineData("probe: unexpected argument \"/a\" (settings are written --Section:Key=VALUE); see probe --help\n", "--Probe:Path=/b", "--", "/a")]
    [InlineData("probe: --Probe:Path needs a value (--Probe:Path=VALUE); see probe --help\n", "--Probe:Path")]
    [InlineData("probe: --Probe:Path needs a value (--Probe:Path=VALUE); see probe --help\n", "--Probe:Path", "--Http:Port=1")]
    [InlineData("probe: --web.config.file needs a FILE (--web.config.file=FILE); see probe --help\n", "--web.config.file")]
    [InlineData("probe: --web.listen-address needs HOST:PORT, [::1]:PORT or :PORT with a port from 1 to 65535 (got \"127.0.0.1\"); see probe --help\n", "--web.listen-address=127.0.0.1")]
    [InlineData("probe: --web.listen-address needs HOST:PORT, [::1]:PORT or :PORT with a port from 1 to 65535 (got \":99999\"); see probe --help\n", "--web.listen-address", ":99999")]
    public void A_bad_argument_exits_2_with_one_line_naming_it(string expected, params string[] args)
    {
        var command = Parse(false, args);
        var (code, stdout, stderr) = Answer(command);

        Assert.Equal(CommandKind.Error, command.Kind);
        Assert.Equal(2, code);
        Assert.Equal(expected, stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public void Settings_reach_the_host_as_key_equals_value_whether_written_with_or_without_equals()
    {
        var command = Parse(false,
            "--Probe:Path=/a b", "--Http:Port", "19160", "--probe:items:0", "x", "--Probe:Interval", "-00:00:01", "--Log:Level=Debug=1");

        Assert.Equal(CommandKind.Run, command.Kind);
        Assert.Null(Answer(command).ExitCode);
        Assert.Equal(
            ["--Probe:Path=/a b", "--Http:Port=19160", "--probe:items:0=x", "--Probe:Interval=-00:00:01", "--Log:Level=Debug=1"],
            command.Settings);
    }

    [Theory]
    [InlineData("--web.config.file=/etc/web.yml")]
    [InlineData("--web.config.file", "/etc/web.yml")]
    public void The_exporter_web_config_flag_sets_Http_WebConfigFile(params string[] args)
    {
        var command = Parse(false, args);

        Assert.Equal(CommandKind.Run, command.Kind);
        Assert.Equal(["--Http:WebConfigFile=/etc/web.yml"], command.Settings);
    }

    [Theory]
    [InlineData(new[] { "--Http:Address=127.0.0.1", "--Http:Port=9999" }, "--web.listen-address=127.0.0.1:9999")]
    [InlineData(new[] { "--Http:Address=::1", "--Http:Port=9999" }, "--web.listen-address", "[::1]:9999")]
    [InlineData(new[] { "--Http:Port=9999" }, "--web.listen-address=:9999")]
    public void The_exporter_listen_address_flag_sets_Http_Address_and_Port(string[] expected, params string[] args)
    {
        var command = Parse(false, args);

        Assert.Equal(CommandKind.Run, command.Kind);
        Assert.Equal(expected, command.Settings);
    }

    [Theory]
    [InlineData("--once", "a.log")]
    [InlineData("--once=a.log")]
    [InlineData("a.log", "--once")]
    [InlineData("--Probe:Path=/p", "--once", "a.log", "--Http:Port=1")]
    [InlineData("--Probe:Path=/p", "--once=a.log", "--Http:Port=1")]
    [InlineData("a.log", "--Probe:Path=/p", "--Http:Port=1", "--once")]
    [InlineData("--Probe:Path", "/p", "a.log", "--Http:Port", "1", "--once")]
    [InlineData("--once", "--Probe:Path=/p", "a.log")]
    [InlineData("--once", "--", "a.log")]
    public void Once_takes_its_file_in_every_form_with_settings_before_or_after(params string[] args)
    {
        var command = Parse(true, args);

        Assert.Equal(CommandKind.Once, command.Kind);
        Assert.Equal("a.log", command.File);
        Assert.Null(Answer(command).ExitCode);
        Assert.DoesNotContain(command.Settings, s => s.Contains("a.log", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("probe: --once needs a FILE to read (--once FILE); see probe --help\n", "--once")]
    [InlineData("probe: --once needs a FILE to read (--once FILE); see probe --help\n", "--once", "--Http:Port=1")]
    [InlineData("probe: --once= needs a FILE to read; see probe --help\n", "--once=")]
    [InlineData("probe: unexpected argument \"b.log\" (settings are written --Section:Key=VALUE); see probe --help\n", "--once", "a.log", "b.log")]
    [InlineData("probe: unexpected argument \"b.log\" (settings are written --Section:Key=VALUE); see probe --help\n", "a.log", "b.log", "--once")]
    [InlineData("probe: --once is given twice; see probe --help\n", "--once", "a.log", "--once", "b.log")]
    [InlineData("probe: unexpected argument \"a.log\" (to read a file once: --once FILE; settings are written --Section:Key=VALUE); see probe --help\n", "a.log")]
    public void Once_without_exactly_one_file_exits_2_with_one_line(string expected, params string[] args)
    {
        var (code, _, stderr) = Answer(Parse(true, args));

        Assert.Equal(2, code);
        Assert.Equal(expected, stderr);
    }

    [Fact]
    public void Setting_names_from_the_options_class_are_known_in_any_case_and_computed_properties_are_not()
    {
        var syntax = Syntax(false);

        Assert.True(syntax.IsKnownSetting("Probe:Path"));
        Assert.True(syntax.IsKnownSetting("PROBE:path"));
        Assert.True(syntax.IsKnownSetting("Probe:Items:3"));
        Assert.True(syntax.IsKnownSetting("Http:Port"));
        Assert.True(syntax.IsKnownSetting("Log:Format"));
        Assert.False(syntax.IsKnownSetting("Probe:Computed"));
        Assert.False(syntax.IsKnownSetting("Probe"));
        Assert.False(syntax.IsKnownSetting("Other:Path"));
    }

    [Theory]
    [InlineData("combind", "combined")]
    [InlineData("COMBINED", "combined")]
    [InlineData("mian", "main")]
    [InlineData("json", null)]
    [InlineData("combinedxyz", null)]
    public void A_mistyped_name_is_matched_to_the_closest_known_one_within_two_edits(string typed, string? expected)
    {
        Assert.Equal(expected, Suggestions.Closest(typed, ["main", "combined"]));
    }

    [Theory]
    [InlineData(0.25, "250 ms")]
    [InlineData(0.0005, "0.5 ms")]
    [InlineData(1, "1 s")]
    [InlineData(1.5, "1.5 s")]
    [InlineData(45, "45 s")]
    [InlineData(3600, "3600 s")]
    public void Durations_in_logs_are_milliseconds_below_a_second_and_seconds_above(double seconds, string expected)
    {
        Assert.Equal(expected, LogText.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Free_text_in_logs_is_quoted_as_json()
    {
        Assert.Equal("\"\\\"$request\\\" $status \\\\ é\"", LogText.Quoted("\"$request\" $status \\ é"));
        Assert.Equal("false", LogText.Boolean(false));
    }
}
