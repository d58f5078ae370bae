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

    // Hand-edited costs: bcrypt defines 4 to 31 (2^cost rounds). Outside that every login would be a silent 401.
    [Theory]
    [InlineData("99")]
    [InlineData("32")]
    [InlineData("03")]
    [InlineData("00")]
    public void A_hash_whose_cost_is_outside_bcrypts_range_is_refused_naming_the_user_and_the_range(string cost)
    {
        string hash = $"$2y${cost}$m1PXatzrt6/dewDI6QDS8OwrhJMbm1Vk0R1ZXcNCp1T9V9rcBXxHq";

        var e = Assert.Throws<FormatException>(() => WebConfig.Parse($"basic_auth_users:\n  alice: {hash}\n", "/"));

        Assert.Contains($"line 2: basic_auth_users.alice has bcrypt cost {cost}, outside bcrypt's range 4 to 31", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("04")]
    [InlineData("10")]
    [InlineData("31")]
    public void A_hash_whose_cost_is_within_bcrypts_range_is_read(string cost)
    {
        var config = WebConfig.Parse($"basic_auth_users:\n  alice: $2y${cost}$m1PXatzrt6/dewDI6QDS8OwrhJMbm1Vk0R1ZXcNCp1T9V9rcBXxHq\n", "/");

        Assert.Equal(["alice"], config.BasicAuthUsers.Keys);
    }
}
