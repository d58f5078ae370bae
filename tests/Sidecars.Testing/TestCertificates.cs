using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sidecars.Testing;

/// <summary>
/// A throw-away certificate authority and certificates it signs, made in memory for one test and
/// written as PEM files the way a Kubernetes TLS Secret holds them.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);

    public TestCertificates(string commonName = "sidecars test CA")
    {
        var request = new CertificateRequest($"CN={commonName}", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>The CA certificate (with its key).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The CA certificate as PEM.</summary>
    public string AuthorityPem => Authority.ExportCertificatePem();

    /// <summary>Whether <paramref name="certificate"/> was issued by this test CA (as a client trusting only it checks a server).</summary>
    public bool Issued(X509Certificate? certificate) => IssuedBy(certificate, Authority);

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="authority"/>, the only root trusted.</summary>
    public static bool IssuedBy(X509Certificate? certificate, X509Certificate2 authority)
    {
        if (certificate is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>A server certificate for <paramref name="dnsNames"/> and <paramref name="addresses"/>, signed by the CA.</summary>
    public (string CertificatePem, string KeyPem, X509Certificate2 Certificate) Server(string[] dnsNames, IPAddress[] addresses, string subject = "watcher") =>
        Issue(subject, "1.3.6.1.5.5.7.3.1", b =>
        {
            foreach (string name in dnsNames)
            {
                b.AddDnsName(name);
            }
            foreach (var address in addresses)
            {
                b.AddIpAddress(address);
            }
        });

    /// <summary>A client certificate, signed by the CA.</summary>
    public (string CertificatePem, string KeyPem, X509Certificate2 Certificate) Client(string subject) =>
        Issue(subject, "1.3.6.1.5.5.7.3.2", b => b.AddDnsName(subject));

    private (string, string, X509Certificate2) Issue(string subject, string usage, Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        var withKey = issued.CopyWithPrivateKey(key);
        return (withKey.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), withKey);
    }

    public void Dispose()
    {
        Authority.Dispose();
        _caKey.Dispose();
    }
}
