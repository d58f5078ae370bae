using Microsoft.Extensions.Options;

namespace Sidecars.Hosting;

/// <summary>Settings of the HTTP endpoint that serves <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> (section <c>Http</c>).</summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Http";

    /// <summary>TCP port to listen on, on all interfaces of the pod.</summary>
    public int Port { get; set; }
}

internal sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options) =>
        options.Port is < 1 or > 65535
            ? ValidateOptionsResult.Fail($"Http:Port must be between 1 and 65535 (got {options.Port})")
            : ValidateOptionsResult.Success;
}
