using System.Security.Authentication;

namespace Sidecars.Hosting;

/// <summary>The <c>tls_server_config</c> part of a web configuration file, with paths made absolute.</summary>
internal sealed record TlsServerSettings(
    string CertFile, string KeyFile, ClientAuthType ClientAuth, string? ClientCaFile, SslProtocols Protocols)
{
    /// <summary>A client certificate must chain to the client CA when one is sent.</summary>
    public bool VerifiesClients => ClientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert;

    /// <summary>The handshake fails without a client certificate.</summary>
    public bool RequiresClientCertificate => ClientAuth is ClientAuthType.RequireAnyClientCert or ClientAuthType.RequireAndVerifyClientCert;
}
