using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sidecars.Hosting;
using Sidecars.Testing;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>
/// The server certificate read again when its files change: in place, or as the kubelet updates a
/// mounted Secret (a new timestamped folder, then one swap of the <c>..data</c> symlink).
/// </summary>
public sealed class ServerCertificatesTests : IDisposable
{
    private readonly TempFolder _folder = new("server-certificates");
    private readonly TestCertificates _ca = new();
    private readonly FakeTimeProvider _time = new();
    private readonly RecordedLog _log = new();
    private readonly (string CertificatePem, string KeyPem, System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate) _first;
    private readonly (string CertificatePem, string KeyPem, System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate) _second;

    public ServerCertificatesTests()
    {
        _first = _ca.Server(["localhost"], [IPAddress.Loopback], subject: "first");
        _second = _ca.Server(["localhost"], [IPAddress.Loopback], subject: "second");
    }

    public void Dispose()
    {
        _ca.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void A_Secret_update_that_swaps_the_data_symlink_is_served_from_the_next_check_a_second_later()
    {
        // Given the certificate from a mounted Secret
        var secret = new KubeletSecretVolume(_folder.File("tls"), Files(_first.CertificatePem, _first.KeyPem));
        var certificates = Certificates(secret);
        Assert.Equal("CN=first", Served(certificates));

        // When the kubelet swaps in the Secret's new data
        secret.Update(Files(_second.CertificatePem, _second.KeyPem));
        _time.Advance(TimeSpan.FromSeconds(1));

        // Then the next handshake gets the new certificate, and the change is logged once
        Assert.Equal("CN=second", Served(certificates));
        Assert.Equal("CN=second", Served(certificates));
        Assert.Single(_log.At(LogLevel.Information), l => l.StartsWith("Read the changed TLS certificate", StringComparison.Ordinal));
        Assert.Empty(_log.At(LogLevel.Warning));
    }

    [Fact]
    public void A_bad_certificate_in_a_Secret_update_is_warned_about_once_keeps_the_previous_one_and_its_repair_is_logged()
    {
        // Given the certificate from a mounted Secret
        var secret = new KubeletSecretVolume(_folder.File("tls"), Files(_first.CertificatePem, _first.KeyPem));
        var certificates = Certificates(secret);

        // When an update brings a certificate without its key, and stays for 10 s of handshakes
        secret.Update(Files(_second.CertificatePem, _first.KeyPem));
        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal("CN=first", Served(certificates));
        }

        // Then one warning, and the previous certificate is served all along
        Assert.Single(_log.At(LogLevel.Warning));

        // When the next update repairs it
        secret.Update(Files(_second.CertificatePem, _second.KeyPem));
        _time.Advance(TimeSpan.FromSeconds(1));

        // Then the new certificate is served and the repair is logged
        Assert.Equal("CN=second", Served(certificates));
        Assert.Single(_log.At(LogLevel.Warning));
        Assert.Single(_log.At(LogLevel.Information), l => l.StartsWith("The TLS files can be used again", StringComparison.Ordinal));
    }

    [Fact]
    public void A_certificate_file_overwritten_in_place_with_a_bad_one_is_warned_about_once_while_it_stays()
    {
        // Given certificate files written in place (no symlinks)
        File.WriteAllText(_folder.File("tls.crt"), _first.CertificatePem);
        File.WriteAllText(_folder.File("tls.key"), _first.KeyPem);
        var certificates = new ServerCertificates(Settings(_folder.File("tls.crt"), _folder.File("tls.key")), _time, _log);

        // When the certificate is replaced but its key is not, for 10 s of handshakes
        File.WriteAllText(_folder.File("tls.crt"), _second.CertificatePem);
        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal("CN=first", Served(certificates));
        }

        // Then one warning, not one a second
        Assert.Single(_log.At(LogLevel.Warning));
    }

    [Fact]
    public void Files_that_did_not_change_are_not_loaded_again()
    {
        var secret = new KubeletSecretVolume(_folder.File("tls"), Files(_first.CertificatePem, _first.KeyPem));
        var certificates = Certificates(secret);
        var context = certificates.HandshakeOptions().ServerCertificateContext;

        for (int i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Same(context, certificates.HandshakeOptions().ServerCertificateContext);
        }
        Assert.Empty(_log.Lines);
    }

    private ServerCertificates Certificates(KubeletSecretVolume secret) =>
        new(Settings(secret.File("tls.crt"), secret.File("tls.key")), _time, _log);

    private static TlsServerSettings Settings(string cert, string key) =>
        new(cert, key, ClientAuthType.NoClientCert, null, SslProtocols.Tls12 | SslProtocols.Tls13);

    private static Dictionary<string, string> Files(string certificatePem, string keyPem) =>
        new() { ["tls.crt"] = certificatePem, ["tls.key"] = keyPem };

    private static string Served(ServerCertificates certificates) =>
        certificates.HandshakeOptions().ServerCertificateContext!.TargetCertificate.Subject;
}
