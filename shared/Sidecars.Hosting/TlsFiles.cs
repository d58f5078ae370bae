using System.Security.Cryptography;
using System.Text;

namespace Sidecars.Hosting;

/// <summary>
/// The contents of the TLS files of a web configuration, read once, and a stamp of them (a SHA-256 of
/// all three) that tells whether they changed since the last read. The key's bytes are cleared on
/// dispose.
/// </summary>
internal sealed class TlsFiles : IDisposable
{
    private TlsFiles(char[] certificate, char[] key, char[] clientCa, string stamp)
    {
        Certificate = certificate;
        Key = key;
        ClientCa = clientCa;
        Stamp = stamp;
    }

    /// <summary><c>cert_file</c> as text (PEM).</summary>
    public char[] Certificate { get; }

    /// <summary><c>key_file</c> as text (PEM).</summary>
    public char[] Key { get; }

    /// <summary><c>client_ca_file</c> as text (PEM), empty when there is none.</summary>
    public char[] ClientCa { get; }

    /// <summary>Equal for equal contents of the three files.</summary>
    public string Stamp { get; }

    /// <summary>Reads the files (through any symlinks); throws an <see cref="IOException"/> naming the setting when one cannot be read.</summary>
    public static TlsFiles Read(TlsServerSettings settings)
    {
        byte[] certificate = ReadFile("cert_file", settings.CertFile);
        byte[] key = ReadFile("key_file", settings.KeyFile);
        byte[] clientCa = settings.ClientCaFile is { } ca ? ReadFile("client_ca_file", ca) : [];
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> length = stackalloc byte[sizeof(int)];
            foreach (byte[] file in new[] { certificate, key, clientCa })
            {
                // Each length first, so that bytes moved from one file to the next change the stamp.
                BitConverter.TryWriteBytes(length, file.Length);
                hash.AppendData(length);
                hash.AppendData(file);
            }
            return new TlsFiles(Text(certificate), Text(key), Text(clientCa), Convert.ToHexString(hash.GetHashAndReset()));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public void Dispose() => Array.Clear(Key);

    private static byte[] ReadFile(string setting, string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{setting} {path}: {ServerCertificates.OneLine(e)}", e);
        }
    }

    private static char[] Text(byte[] pem) => Encoding.UTF8.GetChars(pem);
}
