using System.Reflection;
using System.Runtime.InteropServices;
using Prometheus;

namespace Sidecars.Hosting;

/// <summary>The <c>{service}_build_info{version,runtime}</c> gauge, always 1, as Prometheus exporters do.</summary>
public static class BuildInfo
{
    // The informational version of the entry assembly (e.g. 0.1.0+<40 hex digits>): the version, then the commit
    // the SDK read from git (or the image build passed as SourceRevisionId).
    private static readonly string Informational =
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    /// <summary>The version without the commit, e.g. <c>0.1.0</c>.</summary>
    public static string ReleaseVersion => Informational.Split('+')[0];

    /// <summary>The commit the binary was built from (a full hash shortened to 12 characters), or null when the build did not know it.</summary>
    public static string? Commit => CommitOf(Informational);

    /// <summary>
    /// The version with the commit as <c>--version</c>, the landing page and <c>*_build_info</c> all show it:
    /// <c>0.1.0+12d7bbb81378</c>, or <c>0.1.0+unknown</c>.
    /// </summary>
    public static string Version => $"{ReleaseVersion}+{Commit ?? "unknown"}";

    /// <summary>
    /// The commit in an informational version such as <c>0.1.0+12d7bbb8137890496091c22528ed0278c5b86781</c>:
    /// a full hash shortened to 12 characters, anything else after the <c>+</c> as it is (<c>abc123-dirty</c>),
    /// null when there is none or it is <c>unknown</c>.
    /// </summary>
    public static string? CommitOf(string informationalVersion)
    {
        ArgumentNullException.ThrowIfNull(informationalVersion);
        int plus = informationalVersion.IndexOf('+', StringComparison.Ordinal);
        string commit = plus < 0 ? "" : informationalVersion[(plus + 1)..];
        if (commit.Length == 0 || commit == "unknown")
        {
            return null;
        }
        // The SDK stamps the full hash from git; an image build passes what it knows (see the Dockerfiles).
        return commit.Length == 40 && commit.All(char.IsAsciiHexDigit) ? commit[..12] : commit;
    }

    internal static void Register(IMetricFactory factory, string serviceName)
    {
        var gauge = factory.CreateGauge(
            $"{serviceName}_build_info",
            $"Build of the {serviceName} sidecar; the value is always 1.",
            new GaugeConfiguration { LabelNames = ["version", "runtime"], SuppressInitialValue = false });
        gauge.WithLabels(Version, RuntimeInformation.FrameworkDescription).Set(1);
    }
}
