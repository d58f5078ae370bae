namespace Sidecars.Hosting;

/// <summary>The exporter-toolkit's <c>client_auth_type</c> values (Go's <c>tls.ClientAuthType</c>).</summary>
internal enum ClientAuthType
{
    /// <summary>No client certificate is asked for (the default).</summary>
    NoClientCert,

    /// <summary>A certificate is asked for; any, or none, is accepted.</summary>
    RequestClientCert,

    /// <summary>A certificate is required; any is accepted.</summary>
    RequireAnyClientCert,

    /// <summary>A certificate is asked for; if one is sent it must chain to <c>client_ca_file</c>.</summary>
    VerifyClientCertIfGiven,

    /// <summary>A certificate that chains to <c>client_ca_file</c> is required.</summary>
    RequireAndVerifyClientCert,
}
