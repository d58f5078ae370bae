using System.Net;
using Microsoft.Extensions.Options;

namespace Sidecars.Hosting;

/// <summary>
/// Settings of the HTTP endpoint that serves <c>/</c>, <c>/metrics</c>, <c>/healthz</c> and
/// <c>/readyz</c> (section <c>Http</c>).
/// </summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Http";

    /// <summary>TCP port to listen on.</summary>
    public int Port { get; set; }

    /// <summary>
    /// One IP address to bind (e.g. <c>127.0.0.1</c> or <c>::1</c>); empty binds every address of the
    /// pod (IPv6 and IPv4).
    /// </summary>
    public string? Address { get; set; }

    /// <summary>
    /// A second port that serves only <c>/healthz</c> and <c>/readyz</c>, plain HTTP without a password,
    /// from a thread of its own, for the kubelet's probes; 0 (the default) for none. The main port
    /// serves the probes too.
    /// </summary>
    public int ProbePort { get; set; }

    /// <summary>
    /// A web configuration file in the Prometheus exporter-toolkit format (<c>tls_server_config</c>,
    /// <c>basic_auth_users</c>); empty serves plain HTTP without authentication.
    /// </summary>
    public string? WebConfigFile { get; set; }

    /// <summary>The address to bind, or null for every address; valid after validation.</summary>
    internal IPAddress? BindAddress() =>
        string.IsNullOrWhiteSpace(Address) ? null : IPAddress.Parse(Address.Trim().Trim('[', ']'));
}

internal sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"Http:Port must be between 1 and 65535 (got {options.Port})");
        }
        if (options.ProbePort is < 0 or > 65535 || (options.ProbePort != 0 && options.ProbePort == options.Port))
        {
            failures.Add($"Http:ProbePort must be 0 (none) or a port between 1 and 65535 other than Http:Port (got {options.ProbePort})");
        }
        if (!string.IsNullOrWhiteSpace(options.Address) && !IPAddress.TryParse(options.Address.Trim().Trim('[', ']'), out _))
        {
            failures.Add($"Http:Address must be an IP address such as 127.0.0.1 or ::1, or empty for all (got \"{options.Address}\")");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
