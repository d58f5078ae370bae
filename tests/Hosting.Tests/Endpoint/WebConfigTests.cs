using System.Security.Authentication;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class WebConfigTests
{
    [Fact]
    public void The_exporter_toolkit_example_is_read_with_paths_relative_to_the_file()
    {
        var config = WebConfig.Parse("""
            # As in the exporter-toolkit's documentation
            tls_server_config:
              cert_file: tls.crt
              key_file: /etc/web/tls.key
              client_auth_type: "VerifyClientCertIfGiven"
              client_ca_file: ca/ca.crt
              min_version: TLS13
            basic_auth_users:
              prometheus: $2y$10$m1PXatzrt6/dewDI6QDS8OwrhJMbm1Vk0R1ZXcNCp1T9V9rcBXxHq
            """, "/etc/web");

        var tls = config.Tls!;
        Assert.Equal("/etc/web/tls.crt", tls.CertFile);
        Assert.Equal("/etc/web/tls.key", tls.KeyFile);
        Assert.Equal("/etc/web/ca/ca.crt", tls.ClientCaFile);
        Assert.Equal(ClientAuthType.VerifyClientCertIfGiven, tls.ClientAuth);
        Assert.Equal(SslProtocols.Tls13, tls.Protocols);
        Assert.True(config.RequiresBasicAuth);
        Assert.Equal(["prometheus"], config.BasicAuthUsers.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("tls_server_config:\nbasic_auth_users:\n")]
    public void An_empty_file_or_empty_sections_mean_plain_http_without_users(string yaml)
    {
        var config = WebConfig.Parse(yaml, "/");
        Assert.Null(config.Tls);
        Assert.False(config.RequiresBasicAuth);
    }

    [Theory]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, min_version: TLS11}", "TLS 1.0 and 1.1 are obsolete")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS12}", "is above max_version")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}", "needs tls_server_config.client_ca_file")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, client_ca_file: ca}", "client_auth_type does not verify clients")]
    [InlineData("http_server_config: {http2: true}", "http_server_config is not supported")]
    [InlineData("basic_auth_users: {\"a:b\": x}", "without ':'")]
    [InlineData("- a\n- b\n", "the file must be a mapping")]
    public void What_the_server_cannot_honour_is_refused_by_name(string yaml, string problem)
    {
        var e = Assert.Throws<FormatException>(() => WebConfig.Parse(yaml, "/"));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }
}
