using System.Reflection;
using System.Runtime.InteropServices;
using Prometheus;

namespace Sidecars.Hosting;

/// <summary>The <c>{service}_build_info{version,runtime}</c> gauge, always 1, as Prometheus exporters do.</summary>
public static class BuildInfo
{
    /// <summary>The informational version of the entry assembly (e.g. <c>0.1.0+abc123</c>).</summary>
    public static string Version { get; } =
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    internal static void Register(IMetricFactory factory, string serviceName)
    {
        var gauge = factory.CreateGauge(
            $"{serviceName}_build_info",
            $"Build of the {serviceName} sidecar; the value is always 1.",
            new GaugeConfiguration { LabelNames = ["version", "runtime"], SuppressInitialValue = false });
        gauge.WithLabels(Version, RuntimeInformation.FrameworkDescription).Set(1);
    }
}
