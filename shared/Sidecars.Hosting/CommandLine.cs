namespace Sidecars.Hosting;

/// <summary>
/// A service's command line, read once before anything else starts. Settings are <c>--Section:Key=VALUE</c>
/// or <c>--Section:Key VALUE</c> (a known setting, any case) and reach the host normalised to
/// <c>--Section:Key=VALUE</c> (<see cref="Settings"/>), so the configuration never guesses which argument is a
/// value. <c>--help</c>/<c>-h</c> and <c>--version</c>/<c>-V</c> win over everything else and take no value;
/// <c>--web.config.file</c> and <c>--web.listen-address</c> are the Prometheus exporters' names for
/// <c>Http:WebConfigFile</c> and for <c>Http:Address</c> with <c>Http:Port</c>. Anything else
/// (an unknown flag or setting, a stray argument, a setting without a value) is <see cref="CommandKind.Error"/>
/// with one line naming it.
/// </summary>
public sealed class CommandLine
{
    /// <summary>Exit code for a command line that cannot be used (the same as for a bad setting).</summary>
    public const int UsageErrorExitCode = SidecarHost.ConfigurationErrorExitCode;

    /// <summary>The flag of the one-shot mode.</summary>
    public const string OnceFlag = "--once";

    /// <summary>The exporter-toolkit flag, mapped to <see cref="WebConfigFileSetting"/>.</summary>
    public const string WebConfigFlag = "--web.config.file";

    /// <summary>The setting <see cref="WebConfigFlag"/> sets.</summary>
    public const string WebConfigFileSetting = "Http:WebConfigFile";

    /// <summary>The exporters' flag for where to listen: <c>HOST:PORT</c>, <c>[::1]:PORT</c> or <c>:PORT</c> (every address).</summary>
    public const string WebListenAddressFlag = "--web.listen-address";

    private readonly CommandLineSyntax _syntax;

    private CommandLine(CommandLineSyntax syntax, CommandKind kind, string[] settings, string? file, string? error)
    {
        _syntax = syntax;
        Kind = kind;
        Settings = settings;
        File = file;
        Error = error;
    }

    /// <summary>What the command line asks for.</summary>
    public CommandKind Kind { get; }

    /// <summary>The settings, each as <c>--Section:Key=VALUE</c>, in the order given: the host's command-line configuration.</summary>
    public IReadOnlyList<string> Settings { get; }

    /// <summary>The file of <c>--once</c> (<see cref="CommandKind.Once"/>), else null.</summary>
    public string? File { get; }

    /// <summary>The problem, one line without the service name (<see cref="CommandKind.Error"/>), else null.</summary>
    public string? Error { get; }

    /// <summary>Reads <paramref name="args"/> as <paramref name="syntax"/> describes; never throws for bad input.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, CommandLineSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(syntax);
        var settings = new List<string>();
        var positional = new List<string>();
        bool help = false, version = false, once = false, onlyPositional = false;
        string? file = null;
        string? error = null;
        void Fail(string problem) => error ??= problem;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (onlyPositional || !arg.StartsWith('-') || arg == "-")
            {
                positional.Add(arg);
                continue;
            }
            // The value of a flag written without '=': the next argument, unless it is a flag itself.
            string? NextValue() => i + 1 < args.Count && !LooksLikeFlag(args[i + 1]) ? args[++i] : null;

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            string? inlineValue = equals < 0 ? null : arg[(equals + 1)..];
            switch (name)
            {
                case "--":
                    onlyPositional = equals < 0;
                    if (equals >= 0)
                    {
                        Fail($"unknown flag {arg}");
                    }
                    break;
                case "-h" or "--help" when inlineValue is null:
                    help = true;
                    break;
                case "-V" or "--version" when inlineValue is null:
                    version = true;
                    break;
                case OnceFlag when syntax.AcceptsOnce:
                    if (once)
                    {
                        Fail($"{OnceFlag} is given twice");
                    }
                    once = true;
                    string? onceFile = inlineValue ?? NextValue();
                    if (onceFile is { Length: 0 })
                    {
                        Fail($"{OnceFlag}= needs a FILE to read");
                    }
                    else if (onceFile is not null)
                    {
                        file ??= onceFile;
                    }
                    break;
                case WebConfigFlag:
                    if ((inlineValue ?? NextValue()) is { Length: > 0 } webConfig)
                    {
                        settings.Add($"--{WebConfigFileSetting}={webConfig}");
                    }
                    else
                    {
                        Fail($"{WebConfigFlag} needs a FILE ({WebConfigFlag}=FILE)");
                    }
                    break;
                case WebListenAddressFlag:
                    string? listen = inlineValue ?? NextValue();
                    if (ListenAddress(listen) is { } address)
                    {
                        if (address.Host.Length > 0)
                        {
                            settings.Add($"--Http:Address={address.Host}");
                        }
                        settings.Add($"--Http:Port={address.Port}");
                    }
                    else
                    {
                        Fail($"{WebListenAddressFlag} needs HOST:PORT, [::1]:PORT or :PORT with a port from 1 to 65535 (got \"{listen}\")");
                    }
                    break;
                default:
                    if (!name.StartsWith("--", StringComparison.Ordinal) || !name.Contains(':', StringComparison.Ordinal))
                    {
                        // "--Path=x": a setting without its section; the service's own sections before the shared ones.
                        string? setting = name.StartsWith("--", StringComparison.Ordinal)
                            ? syntax.KnownSettings.Where(k => k.EndsWith(":" + name[2..], StringComparison.OrdinalIgnoreCase))
                                .OrderBy(CommandLineSyntax.IsSharedSetting).FirstOrDefault()
                            : null;
                        Fail(setting is null ? $"unknown flag {name}" : $"unknown flag {name} (did you mean --{setting}?)");
                        break;
                    }
                    string key = name[2..];
                    if (!syntax.IsKnownSetting(key))
                    {
                        string? closest = Suggestions.Closest(key, syntax.KnownSettings);
                        Fail(closest is null
                            ? $"unknown setting {key} (known: {KnownSections(syntax)})"
                            : $"unknown setting {key} (did you mean {closest}?)");
                        break;
                    }
                    if ((inlineValue ?? NextValue()) is { } value)
                    {
                        settings.Add($"--{key}={value}");
                    }
                    else
                    {
                        Fail($"{name} needs a value ({name}=VALUE)");
                    }
                    break;
            }
        }

        if (help)
        {
            return new CommandLine(syntax, CommandKind.Help, [], null, null);
        }
        if (version)
        {
            return new CommandLine(syntax, CommandKind.Version, [], null, null);
        }
        if (once && file is null && positional.Count > 0)
        {
            // FILE ... --once
            file = positional[0];
            positional.RemoveAt(0);
        }
        if (once && file is null)
        {
            Fail($"{OnceFlag} needs a FILE to read ({OnceFlag} FILE)");
        }
        if (positional.Count > 0)
        {
            Fail(syntax.AcceptsOnce && !once
                ? $"unexpected argument \"{positional[0]}\" (to read a file once: {OnceFlag} FILE; settings are written --Section:Key=VALUE)"
                : $"unexpected argument \"{positional[0]}\" (settings are written --Section:Key=VALUE)");
        }
        if (error is not null)
        {
            return new CommandLine(syntax, CommandKind.Error, [], null, error);
        }
        return new CommandLine(syntax, once ? CommandKind.Once : CommandKind.Run, [.. settings], file, null);
    }

    /// <summary>
    /// Prints what <see cref="CommandKind.Help"/>, <see cref="CommandKind.Version"/> or <see cref="CommandKind.Error"/>
    /// asks for and returns the exit code (0, 0, 2); returns null when the service should go on and run.
    /// </summary>
    public int? Answer(TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        switch (Kind)
        {
            case CommandKind.Help:
                stdout.Write(_syntax.Usage.TrimEnd() + "\n");
                stdout.Flush();
                return 0;
            case CommandKind.Version:
                stdout.Write(VersionLine(_syntax.ServiceName) + "\n");
                stdout.Flush();
                return 0;
            case CommandKind.Error:
                stderr.Write($"{_syntax.ServiceName}: {Error}; see {_syntax.ServiceName} --help\n");
                stderr.Flush();
                return UsageErrorExitCode;
            default:
                return null;
        }
    }

    /// <summary>What <c>--version</c> prints, e.g. <c>watcher 0.1.0 (commit 12d7bbb81378, .NET 10.0.5, linux-x64)</c>.</summary>
    public static string VersionLine(string serviceName) =>
        $"{serviceName} {BuildInfo.ReleaseVersion} (commit {BuildInfo.Commit ?? "unknown"}, " +
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
        $"{System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})";

    /// <summary><c>HOST:PORT</c> split (brackets kept out of an IPv6 host), or null when it is not one.</summary>
    private static (string Host, int Port)? ListenAddress(string? text)
    {
        int colon = text?.LastIndexOf(':') ?? -1;
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
        {
            return null;
        }
        string host = text![..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return (host, port);
    }

    // "-x", "--x": a flag. "-" alone (stdin) and negative numbers ("-1") are values.
    private static bool LooksLikeFlag(string arg) =>
        arg.Length > 1 && arg[0] == '-' && !char.IsAsciiDigit(arg[1]);

    private static string KnownSections(CommandLineSyntax syntax) =>
        string.Join(", ", syntax.KnownSettings.Select(k => k[..k.IndexOf(':', StringComparison.Ordinal)]).Distinct(StringComparer.Ordinal)
            .Select(s => $"{s}:..."));
}
