using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// The TLS side of the web configuration: the server certificate and key (with any intermediate
/// certificates that follow the leaf in <c>cert_file</c>), and the client CA. The files are read at
/// start (a bad one stops the service) and read again, checked at most once a second at a handshake
/// (or at once on SIGHUP): a change of their contents is loaded, however it was made. A change that
/// cannot be loaded (say, a new certificate whose key is not there yet) keeps the previous
/// certificate in use and is logged once, and so is its repair.
/// </summary>
/// <remarks>
/// The contents, not the files' sizes and times, tell a change: the kubelet updates a mounted Secret by
/// writing a new timestamped folder and swapping the <c>..data</c> symlink that <c>tls.crt -&gt;
/// ..data/tls.crt</c> goes through, so the file named in the configuration (a symlink) never changes,
/// and a stat of it never sees the update. Reading and hashing the three small files costs tens of
/// microseconds, once a second at most, and the certificate is loaded from the very bytes hashed.
/// </remarks>
internal sealed class ServerCertificates
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly TlsServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Loaded _loaded;
    private string? _rejected; // the stamp of the files last found unusable (warned about once), until they change
    private long _lastCheck;

    private sealed record Loaded(string Stamp, SslStreamCertificateContext Server, X509Certificate2Collection ClientCas, DateTime NotAfter);

    /// <summary>What a check of the files found.</summary>
    public enum Outcome
    {
        /// <summary>The files are as they were: the certificate in use stays.</summary>
        Unchanged,

        /// <summary>The files changed and were loaded: new handshakes get the new certificate.</summary>
        Reloaded,

        /// <summary>The files changed but cannot be used: the previous certificate stays in use.</summary>
        Rejected,
    }

    /// <summary>Loads the files; throws what <see cref="IsLoadFailure"/> names when they are unusable.</summary>
    public ServerCertificates(TlsServerSettings settings, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        using var files = TlsFiles.Read(settings);
        _loaded = Load(settings, files);
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

    /// <summary>Reads the files now, whenever they were last checked (SIGHUP), and loads them if they changed.</summary>
    public Outcome CheckNow()
    {
        lock (_lock)
        {
            return Check();
        }
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
            if (_time.GetElapsedTime(_lastCheck) >= CheckEvery)
            {
                Check();
            }
            return _loaded;
        }
    }

    // Under _lock.
    private Outcome Check()
    {
        _lastCheck = _time.GetTimestamp();
        TlsFiles? files = null;
        string stamp;
        string? unreadable = null;
        try
        {
            files = TlsFiles.Read(_settings);
            stamp = files.Stamp;
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            // A file missing or unreadable is a state of the files too: warned about once, until it changes.
            unreadable = OneLine(e);
            stamp = "unreadable: " + unreadable;
        }
        using (files)
        {
            if (stamp == _loaded.Stamp)
            {
                if (_rejected is not null)
                {
                    // Back to the files in use (say, a bad update rolled back).
                    _rejected = null;
                    EndpointLog.CertificateRecovered(_logger, _settings.CertFile, _loaded.NotAfter);
                }
                return Outcome.Unchanged;
            }
            if (stamp == _rejected)
            {
                return Outcome.Rejected;
            }
            try
            {
                _loaded = Load(_settings, files ?? throw new IOException(unreadable));
            }
            catch (Exception e) when (IsLoadFailure(e))
            {
                _rejected = stamp;
                EndpointLog.CertificateReloadFailed(_logger, _settings.CertFile, OneLine(e));
                return Outcome.Rejected;
            }
            if (_rejected is not null)
            {
                _rejected = null;
                EndpointLog.CertificateRecovered(_logger, _settings.CertFile, _loaded.NotAfter);
            }
            else
            {
                EndpointLog.CertificateReloaded(_logger, _settings.CertFile, _loaded.NotAfter);
            }
            return Outcome.Reloaded;
        }
    }

    private static Loaded Load(TlsServerSettings settings, TlsFiles files)
    {
        var leaf = Describe("cert_file/key_file", settings.CertFile, () => X509Certificate2.CreateFromPem(files.Certificate, files.Key));
        var all = new X509Certificate2Collection();
        all.ImportFromPem(files.Certificate);
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in all.Skip(1))
        {
            intermediates.Add(certificate);
        }
        var server = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        var clientCas = new X509Certificate2Collection();
        if (settings.ClientCaFile is { } caFile)
        {
            Describe("client_ca_file", caFile, () => { clientCas.ImportFromPem(files.ClientCa); return 0; });
            if (clientCas.Count == 0)
            {
                throw new CryptographicException($"client_ca_file {caFile} holds no PEM certificate");
            }
        }
        return new Loaded(files.Stamp, server, clientCas, leaf.NotAfter.ToUniversalTime());
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

    /// <summary>The exceptions that mean "these files are not a usable certificate, key or CA".</summary>
    internal static bool IsLoadFailure(Exception e) =>
        e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException;

    internal static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ").Trim();
}
