using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Sidecars.Hosting;

/// <summary>
/// What one service's command line accepts (read by <see cref="CommandLine.Parse"/>): its name, the text
/// <c>--help</c> prints, whether it has <c>--once FILE</c>, and the settings it knows, taken from the
/// public settable properties of its options classes so that a new option needs no second list.
/// <c>Http</c> and <c>Log</c> are always known.
/// </summary>
public sealed class CommandLineSyntax
{
    private readonly Dictionary<string, (string Section, HashSet<string> Keys)> _sections = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A syntax with the shared sections; add the service's own with <see cref="WithSection{TOptions}"/>.</summary>
    public CommandLineSyntax(string serviceName, string usage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(usage);
        ServiceName = serviceName;
        Usage = usage;
        WithSection<HttpOptions>(HttpOptions.Section);
        WithSection<LogOptions>(LogOptions.Section);
    }

    /// <summary>The binary's name, first word of every message (<c>watcher</c>, <c>writer</c>).</summary>
    public string ServiceName { get; }

    /// <summary>The text <c>--help</c> prints (see <see cref="SharedSettingsHelp"/> for the common part).</summary>
    public string Usage { get; }

    /// <summary>The service has a one-shot mode: <c>--once FILE</c>, <c>--once=FILE</c> or <c>FILE ... --once</c>.</summary>
    public bool AcceptsOnce { get; init; }

    /// <summary>
    /// Makes every public settable property of <typeparamref name="TOptions"/> a known setting of
    /// <paramref name="section"/> (<c>--Section:Property=VALUE</c>, and anything below it such as list items).
    /// </summary>
    public CommandLineSyntax WithSection<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(string section)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        var keys = typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => p.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        _sections[section] = (section, keys);
        return this;
    }

    /// <summary>Every known setting as <c>Section:Key</c>, in the spelling of the options classes.</summary>
    public IEnumerable<string> KnownSettings =>
        _sections.Values.SelectMany(s => s.Keys.Order(StringComparer.Ordinal).Select(k => $"{s.Section}:{k}"));

    /// <summary>Whether <paramref name="key"/> belongs to a section both services share (<c>Http</c>, <c>Log</c>).</summary>
    public static bool IsSharedSetting(string key) =>
        key.StartsWith(HttpOptions.Section + ":", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith(LogOptions.Section + ":", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="key"/> (<c>Section:Key</c> or deeper, any case) names a known setting.</summary>
    public bool IsKnownSetting(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        string[] parts = key.Split(':');
        return parts.Length >= 2 && _sections.TryGetValue(parts[0], out var section) && section.Keys.Contains(parts[1]);
    }

    /// <summary>
    /// The help lines every service shares: the HTTP port, the web config file, logging, and where settings
    /// come from (appsettings.json, environment, command line), and <paramref name="reference"/>: where every
    /// setting is described.
    /// </summary>
    public static string SharedSettingsHelp(string exampleSetting, int defaultHttpPort, string reference) => $"""
          --Http:Port=PORT             /metrics, /healthz and /readyz (default {defaultHttpPort})
          --web.listen-address=HOST:PORT  where to listen, as the exporters take it (:PORT: every
                                       address; the same as --Http:Address=HOST --Http:Port=PORT)
          --web.config.file=FILE       TLS and basic auth in the Prometheus exporter-toolkit format
                                       (the same as --Http:WebConfigFile=FILE)
          durations take 250ms, 5s, 1m30s, 1h as the exporters do, or 00:00:05
          --Log:Format=text|json       --Log:Level=Debug|Information|Warning|Error

        Settings come from appsettings.json next to the binary, then the environment
        ({exampleSetting.Replace(":", "__", StringComparison.Ordinal)}=VALUE), then the command line
        (--{exampleSetting}=VALUE or --{exampleSetting} VALUE); names are not case-sensitive.
        Every setting and metric: {reference}.
        """;
}
