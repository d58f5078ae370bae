using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Sidecars.Hosting;

/// <summary>
/// Checks <c>Authorization: Basic</c> credentials against the bcrypt hashes of the web configuration
/// file, as the exporter-toolkit does. A bcrypt check costs tens of milliseconds of CPU by design, so:
/// credentials that passed are remembered (keyed by an HMAC with a per-process random key, never the
/// password itself) and a scraper's next request costs a hash lookup; checks run one at a time, so a
/// flood of wrong passwords uses at most one core and queues rather than starving the process; an
/// unknown user costs as much as a wrong password, so user names cannot be probed by timing.
/// </summary>
internal sealed class BasicAuthenticator : IDisposable
{
    private const int MaxRemembered = 64;
    private readonly IReadOnlyDictionary<string, string> _users;
    private readonly string _anyHash;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, bool> _passed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneCheckAtATime = new(1, 1);
    private long _checks;

    public BasicAuthenticator(IReadOnlyDictionary<string, string> users)
    {
        if (users.Count == 0)
        {
            throw new ArgumentException("at least one user", nameof(users));
        }
        _users = users;
        _anyHash = users.Values.First();
    }

    /// <summary>bcrypt checks made so far (remembered credentials cost none).</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>True when <paramref name="authorization"/> holds the name and password of a configured user.</summary>
    public async ValueTask<bool> IsAuthorizedAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (!TryParse(authorization, out string? user, out string? password))
        {
            return false;
        }
        string remembered = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{user}:{password}")));
        if (_passed.ContainsKey(remembered))
        {
            return true;
        }
        bool known = _users.TryGetValue(user, out string? hash);
        await _oneCheckAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool passed;
        try
        {
            Interlocked.Increment(ref _checks);
            // An unknown user is checked against some real hash too: the same cost, always refused.
            passed = Verify(password, known ? hash! : _anyHash) && known;
        }
        finally
        {
            _oneCheckAtATime.Release();
        }
        if (passed)
        {
            if (_passed.Count >= MaxRemembered)
            {
                _passed.Clear();
            }
            _passed[remembered] = true;
        }
        return passed;
    }

    public void Dispose() => _oneCheckAtATime.Dispose();

    private static bool Verify(string password, string hash)
    {
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (Exception e) when (e is BCrypt.Net.SaltParseException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Splits <c>Basic base64(user:password)</c>; false for any other scheme or a malformed value.</summary>
    internal static bool TryParse(string? authorization, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? user,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? password)
    {
        user = null;
        password = null;
        if (authorization is null || authorization.Length < 7 || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        ReadOnlySpan<char> encoded = authorization.AsSpan(6).Trim();
        byte[] bytes = ArrayPool<byte>.Shared.Rent(encoded.Length);
        try
        {
            if (!Convert.TryFromBase64Chars(encoded, bytes, out int length))
            {
                return false;
            }
            string decoded;
            try
            {
                decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return false;
            }
            user = decoded[..colon];
            password = decoded[(colon + 1)..];
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes, clearArray: true);
        }
    }
}
