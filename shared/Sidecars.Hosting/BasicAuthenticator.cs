using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// Checks <c>Authorization: Basic</c> credentials against the bcrypt hashes of the web configuration
/// file, as the exporter-toolkit does, built for a flood of wrong ones. A bcrypt check costs tens of
/// milliseconds of CPU by design (more than a whole second at a 200m CPU limit and cost 12), so:
/// <list type="bullet">
/// <item>every header costs at most one check: the verdict, right or wrong, is remembered by a keyed
/// hash of the whole header (<see cref="CredentialVerdicts"/>), and copies of a header that arrive while
/// it is being checked wait for that one check;</item>
/// <item>checks run one at a time, a client that has sent no wrong password first
/// (<see cref="PasswordCheckQueue"/>), so a correct login never waits behind a queue of wrong ones;</item>
/// <item>a refusal is answered <see cref="RefusalDelay"/> after the request arrived, so a flood of wrong
/// passwords arrives at the pace of its connections, not of the CPU; at most <see cref="MostHeldRefusals"/>
/// at once (the others are answered at once), so held refusals cannot fill the connection table, where a
/// connection with a request in progress does not give way to a new one;</item>
/// <item>an unknown user costs as much as a wrong password, so user names cannot be probed by timing.</item>
/// </list>
/// </summary>
internal sealed class BasicAuthenticator : IDisposable
{
    /// <summary>
    /// The least time between a request and its 401. Shorter than any usual scrape timeout, so a Prometheus
    /// with a wrong password still reports the 401 (at 1 s, one scraping every second timed out instead).
    /// </summary>
    public static readonly TimeSpan RefusalDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Refusals held back at once; the connection cap is 128 at least.</summary>
    public const int MostHeldRefusals = 64;

    private readonly IReadOnlyDictionary<string, string> _users;
    private readonly string _anyHash;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, string, bool> _verify;
    private readonly TimeSpan _refusalDelay;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly CredentialVerdicts _verdicts = new();
    private readonly PasswordCheckQueue _queue;
    private readonly Dictionary<UInt128, Task<bool>> _inCheck = [];
    private readonly LogThrottle _refusalLog;
    private long _refused;
    private int _held;
    private long _refusedUnchecked;

    public BasicAuthenticator(IReadOnlyDictionary<string, string> users, TimeProvider time, ILogger logger)
        : this(users, time, logger, Verify, RefusalDelay)
    {
    }

    /// <summary>For tests: <paramref name="verify"/> stands for bcrypt (password, hash).</summary>
    internal BasicAuthenticator(IReadOnlyDictionary<string, string> users, TimeProvider time, ILogger logger,
        Func<string, string, bool> verify, TimeSpan refusalDelay)
    {
        if (users.Count == 0)
        {
            throw new ArgumentException("at least one user", nameof(users));
        }
        _users = users;
        _anyHash = users.Values.First();
        _time = time;
        _logger = logger;
        _verify = verify;
        _refusalDelay = refusalDelay;
        _queue = new PasswordCheckQueue(time);
        _refusalLog = new LogThrottle(time, TimeSpan.FromMinutes(1));
    }

    /// <summary>bcrypt checks made so far (a header seen before costs none).</summary>
    public long Checks => _queue.Checks;

    /// <summary>
    /// True when <paramref name="authorization"/> holds the name and password of a configured user.
    /// <paramref name="client"/> is the remote address, which decides the order of checks.
    /// </summary>
    public async ValueTask<bool> IsAuthorizedAsync(string? authorization, IPAddress? client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            // A browser's first request: the challenge goes back at once, it costs nothing.
            return false;
        }
        long arrived = _time.GetTimestamp();
        var key = KeyOf(authorization);
        var verdict = _verdicts.Lookup(key) switch
        {
            true => Verdict.Passed,
            false => Verdict.Failed,
            null => await CheckAsync(key, authorization, client, cancellationToken).ConfigureAwait(false),
        };
        if (verdict == Verdict.Passed)
        {
            return true;
        }
        Refused(client, verdict == Verdict.Unchecked);
        var wait = _refusalDelay - _time.GetElapsedTime(arrived);
        if (wait > TimeSpan.Zero)
        {
            try
            {
                if (Interlocked.Increment(ref _held) <= MostHeldRefusals)
                {
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }
        return false;
    }

    public void Dispose() => _queue.Dispose();

    /// <summary>
    /// Whom a request comes from, for the order of checks: an IPv4 address, or the /64 of an IPv6 one (the
    /// block one host gets, so a host cannot pass for many clients). No address (a test) is one client.
    /// </summary>
    internal static UInt128 ClientOf(IPAddress? address)
    {
        if (address is null)
        {
            return UInt128.Zero;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // As ::ffff:a.b.c.d, which no IPv6 /64 below can equal (their last 64 bits are zero).
            bytes[10] = 0xff;
            bytes[11] = 0xff;
            address.TryWriteBytes(bytes[12..], out _);
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
        }
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private async ValueTask<Verdict> CheckAsync(UInt128 key, string authorization, IPAddress? client, CancellationToken cancellationToken)
    {
        if (!TryParse(authorization, out string? user, out string? password))
        {
            // Not even credentials: refused without a check, and not worth a place among the verdicts.
            return Verdict.Failed;
        }
        Task<bool> check;
        lock (_inCheck)
        {
            if (!_inCheck.TryGetValue(key, out check!))
            {
                bool known = _users.TryGetValue(user, out string? hash);
                // An unknown user is checked against some real hash too: the same cost, always refused.
                string against = known ? hash! : _anyHash;
                if (!_queue.TryEnqueue(ClientOf(client), () => Decide(key, password, against, known), out check))
                {
                    return Verdict.Unchecked;
                }
                _inCheck[key] = check;
            }
        }
        return await check.WaitAsync(cancellationToken).ConfigureAwait(false) ? Verdict.Passed : Verdict.Failed;
    }

    // On the check thread: the verdict is kept before the header leaves the checks in progress, so a copy
    // arriving at any moment finds one or the other.
    private bool Decide(UInt128 key, string password, string hash, bool known)
    {
        bool passed = false;
        try
        {
            passed = _verify(password, hash) && known;
            _verdicts.Remember(key, passed);
        }
        finally
        {
            lock (_inCheck)
            {
                _inCheck.Remove(key);
            }
        }
        return passed;
    }

    private void Refused(IPAddress? client, bool withoutCheck)
    {
        long refused = Interlocked.Increment(ref _refused);
        long refusedUnchecked = withoutCheck ? Interlocked.Increment(ref _refusedUnchecked) : Interlocked.Read(ref _refusedUnchecked);
        if (_refusalLog.ShouldLog("refused", out _))
        {
            BasicAuthLog.Refused(_logger, client?.ToString() ?? "(no address)", refused, refusedUnchecked, Checks);
        }
    }

    // The first 128 bits of HMAC-SHA256 of the whole header, with a key made at start: the header's text,
    // password included, is never kept, and the key cannot be guessed from outside to aim at one set.
    private UInt128 KeyOf(string authorization)
    {
        int length = Encoding.UTF8.GetMaxByteCount(authorization.Length);
        byte[]? rented = length > 1024 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> bytes = rented is null ? stackalloc byte[1024] : rented;
        try
        {
            int written = Encoding.UTF8.GetBytes(authorization, bytes);
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, bytes[..written], hash);
            return BinaryPrimitives.ReadUInt128LittleEndian(hash);
        }
        finally
        {
            bytes.Clear();
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

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

    private enum Verdict
    {
        Passed,
        Failed,
        Unchecked,
    }
}
