using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// What <c>Http:WebConfigFile</c> asks of the endpoint: TLS (<see cref="Certificates"/>) and basic
/// authentication (<see cref="Authenticator"/>), either, both or neither. Read once at start: a
/// missing, unreadable or invalid file, certificate or key stops the service with one line.
/// </summary>
internal sealed class EndpointSecurity : IDisposable
{
    private EndpointSecurity(string? file, ServerCertificates? certificates, BasicAuthenticator? authenticator)
    {
        File = file;
        Certificates = certificates;
        Authenticator = authenticator;
    }

    /// <summary>The web configuration file, or null when none is set.</summary>
    public string? File { get; }

    /// <summary>The server certificate when the file has <c>tls_server_config</c>.</summary>
    public ServerCertificates? Certificates { get; }

    /// <summary>The users when the file has <c>basic_auth_users</c>.</summary>
    public BasicAuthenticator? Authenticator { get; }

    public void Dispose() => Authenticator?.Dispose();

    /// <summary>Reads <paramref name="file"/> (none: plain HTTP without authentication).</summary>
    public static EndpointSecurity Create(string? file, TimeProvider time, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return new EndpointSecurity(null, null, null);
        }
        var config = WebConfig.Load(file);
        ServerCertificates? certificates = null;
        if (config.Tls is { } tls)
        {
            try
            {
                certificates = new ServerCertificates(tls, time, logger);
            }
            catch (Exception e) when (ServerCertificates.IsLoadFailure(e))
            {
                throw new ConfigurationException($"Http:WebConfigFile {file}: tls_server_config: {ServerCertificates.OneLine(e)}", e);
            }
        }
        var authenticator = config.RequiresBasicAuth ? new BasicAuthenticator(config.BasicAuthUsers) : null;
        return new EndpointSecurity(file, certificates, authenticator);
    }
}
