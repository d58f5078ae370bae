using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// The TLS side of the web configuration: the server certificate and key (with any intermediate
/// certificates that follow the leaf in <c>cert_file</c>), and the client CA. The files are read at
/// start (a bad one stops the service) and read again when they change, checked at most once a
/// second at a handshake: Kubernetes replaces a mounted Secret's files in place. A change that
/// cannot be loaded (say, a new certificate whose key is not there yet) keeps the previous
/// certificate in use and is logged.
/// </summary>
internal sealed class ServerCertificates
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly TlsServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Loaded _loaded;
    private long _lastCheck;

    private sealed record Loaded(string Stamp, SslStreamCertificateContext Server, X509Certificate2Collection ClientCas, DateTime NotAfter);

    /// <summary>Loads the files; throws what <see cref="IsLoadFailure"/> names when they are unusable.</summary>
    public ServerCertificates(TlsServerSettings settings, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        _loaded = Load(settings);
        _lastCheck = time.GetTimestamp();
    }

    /// <summary>Expiry of the certificate in use.</summary>
    public DateTime NotAfter => Current().NotAfter;

    /// <summary>The options for one TLS handshake, with the certificate as its files are now.</summary>
    public SslServerAuthenticationOptions HandshakeOptions()
    {
        var loaded = Current();
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = loaded.Server,
            EnabledSslProtocols = _settings.Protocols,
            // Asking for a certificate is what every type but NoClientCert does; whether none is fine is decided below.
            ClientCertificateRequired = _settings.ClientAuth != ClientAuthType.NoClientCert,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => AcceptsClient(loaded, certificate, chain),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        };
    }

    private bool AcceptsClient(Loaded loaded, X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null)
        {
            return !_settings.RequiresClientCertificate;
        }
        if (!_settings.VerifiesClients)
        {
            return true;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(loaded.ClientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // Intermediates the client sent along.
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private Loaded Current()
    {
        lock (_lock)
        {
            if (_time.GetElapsedTime(_lastCheck) < CheckEvery)
            {
                return _loaded;
            }
            _lastCheck = _time.GetTimestamp();
            try
            {
                if (Stamp(_settings) != _loaded.Stamp)
                {
                    _loaded = Load(_settings);
                    EndpointLog.CertificateReloaded(_logger, _settings.CertFile, _loaded.NotAfter);
                }
            }
            catch (Exception e) when (IsLoadFailure(e))
            {
                EndpointLog.CertificateReloadFailed(_logger, _settings.CertFile, OneLine(e));
            }
            return _loaded;
        }
    }

    private static Loaded Load(TlsServerSettings settings)
    {
        // The stamp before the contents: a change during the read is seen at the next check.
        string stamp = Stamp(settings);
        var leaf = Describe("cert_file/key_file", settings.CertFile, () => X509Certificate2.CreateFromPemFile(settings.CertFile, settings.KeyFile));
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(settings.CertFile);
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in all.Skip(1))
        {
            intermediates.Add(certificate);
        }
        var server = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        var clientCas = new X509Certificate2Collection();
        if (settings.ClientCaFile is { } caFile)
        {
            Describe("client_ca_file", caFile, () => { clientCas.ImportFromPemFile(caFile); return 0; });
            if (clientCas.Count == 0)
            {
                throw new CryptographicException($"client_ca_file {caFile} holds no PEM certificate");
            }
        }
        return new Loaded(stamp, server, clientCas, leaf.NotAfter.ToUniversalTime());
    }

    private static T Describe<T>(string what, string path, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            throw new CryptographicException($"{what} {path}: {OneLine(e)}", e);
        }
    }

    private static string Stamp(TlsServerSettings settings)
    {
        static string Of(string? path)
        {
            if (path is null)
            {
                return "";
            }
            var file = new FileInfo(path);
            return file.Exists ? $"{file.LastWriteTimeUtc.Ticks}:{file.Length}" : "missing";
        }
        return $"{Of(settings.CertFile)}|{Of(settings.KeyFile)}|{Of(settings.ClientCaFile)}";
    }

    /// <summary>The exceptions that mean "these files are not a usable certificate, key or CA".</summary>
    internal static bool IsLoadFailure(Exception e) =>
        e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException;

    internal static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ").Trim();
}
