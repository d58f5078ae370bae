using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class BasicAuthenticatorTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("10.0.0.66");

    private static string Header(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    // Real bcrypt (cost 4, a few milliseconds) and no delay before a 401, unless a test is about it.
    private static BasicAuthenticator Authenticator(int cost = 4) =>
        new(new Dictionary<string, string> { ["prometheus"] = BCrypt.Net.BCrypt.HashPassword("right", cost) },
            TimeProvider.System, NullLogger.Instance, static (p, h) => BCrypt.Net.BCrypt.Verify(p, h), TimeSpan.Zero);

    [Fact]
    public async Task A_password_that_passed_and_a_wrong_one_are_each_checked_once_and_an_unknown_user_costs_a_check_too()
    {
        using var auth = Authenticator();

        Assert.True(await auth.IsAuthorizedAsync(Header("prometheus:right"), null, CancellationToken.None));
        Assert.True(await auth.IsAuthorizedAsync(Header("prometheus:right"), null, CancellationToken.None));
        Assert.Equal(1, auth.Checks);

        Assert.False(await auth.IsAuthorizedAsync(Header("prometheus:wrong"), null, CancellationToken.None));
        Assert.False(await auth.IsAuthorizedAsync(Header("prometheus:wrong"), null, CancellationToken.None));
        Assert.False(await auth.IsAuthorizedAsync(Header("nobody:right"), null, CancellationToken.None));
        Assert.Equal(3, auth.Checks);
    }

    [Fact]
    public async Task A_repeated_wrong_header_costs_one_bcrypt_check()
    {
        using var auth = Authenticator();

        for (int i = 0; i < 10; i++)
        {
            Assert.False(await auth.IsAuthorizedAsync(Header("prometheus:wrong"), Attacker, CancellationToken.None));
        }

        Assert.Equal(1, auth.Checks);
    }

    [Fact]
    public async Task A_correct_login_does_not_wait_behind_fifty_waiting_copies_of_a_wrong_header()
    {
        using var auth = Authenticator(cost: 6);

        // Given 50 requests with one wrong password, all arriving before the first is answered
        var wrong = Enumerable.Range(0, 50).Select(_ => auth.IsAuthorizedAsync(Header("prometheus:wrong"), null, CancellationToken.None).AsTask()).ToList();

        // When the right password comes
        bool right = await auth.IsAuthorizedAsync(Header("prometheus:right"), null, CancellationToken.None);
        long checksBeforeItsAnswer = auth.Checks;

        // Then it waited for at most the one check of the wrong password, and the 50 share that check
        Assert.True(right);
        Assert.InRange(checksBeforeItsAnswer, 1, 2);
        Assert.All(await Task.WhenAll(wrong), Assert.False);
        Assert.Equal(2, auth.Checks);
    }

    [Fact]
    public async Task A_client_with_four_checks_waiting_gets_its_next_new_header_refused_unchecked()
    {
        // Given checks that wait for the test, and one in progress for the attacker
        using var checks = new GatedChecks();
        using var auth = checks.Authenticator();
        var first = auth.IsAuthorizedAsync(Header("prometheus:guess-0"), Attacker, CancellationToken.None).AsTask();
        await Eventually(() => checks.Started == 1);
        var waiting = Enumerable.Range(1, 4).Select(i => auth.IsAuthorizedAsync(Header($"prometheus:guess-{i}"), Attacker, CancellationToken.None).AsTask()).ToList();

        // When the attacker sends a fifth new password
        bool fifth = await auth.IsAuthorizedAsync(Header("prometheus:guess-5"), Attacker, CancellationToken.None);

        // Then it is refused at once without a check, and the waiting ones are checked in their turn
        Assert.False(fifth);
        Assert.Equal(0, auth.Checks);
        checks.Release(5);
        Assert.All(await Task.WhenAll([first, .. waiting]), Assert.False);
        Assert.Equal(5, auth.Checks);
    }

    [Fact]
    public async Task A_refusal_is_answered_half_a_second_after_the_request_arrived_and_a_missing_header_at_once()
    {
        var time = new TimerCountingTimeProvider();
        using var auth = new BasicAuthenticator(new Dictionary<string, string> { ["prometheus"] = "hash" }, time, NullLogger.Instance,
            static (_, _) => false, BasicAuthenticator.RefusalDelay);

        var missing = auth.IsAuthorizedAsync(null, Attacker, CancellationToken.None);
        var wrong = auth.IsAuthorizedAsync(Header("prometheus:wrong"), Attacker, CancellationToken.None).AsTask();
        await Eventually(() => auth.Checks == 1 && time.PendingTimers == 1);
        Assert.False(wrong.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(499));
        await Task.Delay(50);
        Assert.False(wrong.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(missing.IsCompleted);
        Assert.False(await missing);
        Assert.False(await wrong.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task At_most_64_refusals_are_held_back_at_once_and_the_others_are_answered_at_once()
    {
        var time = new TimerCountingTimeProvider();
        using var auth = new BasicAuthenticator(new Dictionary<string, string> { ["prometheus"] = "hash" }, time, NullLogger.Instance,
            static (_, _) => false, BasicAuthenticator.RefusalDelay);
        var checkedOnce = auth.IsAuthorizedAsync(Header("prometheus:wrong"), Attacker, CancellationToken.None).AsTask();
        await Eventually(() => time.PendingTimers == 1);
        time.Advance(BasicAuthenticator.RefusalDelay);
        Assert.False(await checkedOnce.WaitAsync(TimeSpan.FromSeconds(10)));

        var refusals = Enumerable.Range(0, 70).Select(_ => auth.IsAuthorizedAsync(Header("prometheus:wrong"), Attacker, CancellationToken.None).AsTask()).ToList();

        Assert.Equal(6, refusals.Count(r => r.IsCompleted));
        Assert.Equal(BasicAuthenticator.MostHeldRefusals, refusals.Count(r => !r.IsCompleted));
        time.Advance(BasicAuthenticator.RefusalDelay);
        Assert.All(await Task.WhenAll(refusals).WaitAsync(TimeSpan.FromSeconds(10)), Assert.False);
    }

    [Fact]
    public async Task A_client_that_gives_up_stops_waiting_and_its_check_still_serves_the_next_copy()
    {
        using var checks = new GatedChecks();
        using var auth = checks.Authenticator();
        using var gaveUp = new CancellationTokenSource();

        var first = auth.IsAuthorizedAsync(Header("prometheus:right"), null, gaveUp.Token).AsTask();
        await gaveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        var second = auth.IsAuthorizedAsync(Header("prometheus:right"), null, CancellationToken.None).AsTask();
        checks.Release(1);

        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, auth.Checks);
    }

    [Theory]
    [InlineData("10.1.2.3", "::ffff:10.1.2.3", true)]
    [InlineData("10.1.2.3", "10.1.2.4", false)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("0:0:0:0:0:ffff:a01:203", "::", false)]
    public void Clients_are_told_apart_by_IPv4_address_or_IPv6_64_bit_prefix(string a, string b, bool same) =>
        Assert.Equal(same, BasicAuthenticator.ClientOf(IPAddress.Parse(a)) == BasicAuthenticator.ClientOf(IPAddress.Parse(b)));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("Basic !!!not-base64")]
    [InlineData("Basic")]
    public void Other_schemes_and_malformed_values_are_not_credentials(string? header) =>
        Assert.False(BasicAuthenticator.TryParse(header, out _, out _));

    [Fact]
    public void The_password_is_everything_after_the_first_colon_and_the_scheme_is_case_insensitive()
    {
        Assert.True(BasicAuthenticator.TryParse("basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pa:ss wörd")), out string? user, out string? password));
        Assert.Equal(("user", "pa:ss wörd"), (user, password));
        Assert.False(BasicAuthenticator.TryParse(Header("no-colon"), out _, out _));
    }

    /// <summary>Checks that start, count themselves, and wait until the test lets them finish; "right" is the password.</summary>
    private sealed class GatedChecks : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(0);
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public BasicAuthenticator Authenticator() =>
            new(new Dictionary<string, string> { ["prometheus"] = "hash" }, TimeProvider.System, NullLogger.Instance, Check, TimeSpan.Zero);

        public void Release(int count) => _gate.Release(count);

        public void Dispose() => _gate.Dispose();

        private bool Check(string password, string hash)
        {
            Interlocked.Increment(ref _started);
            return _gate.Wait(TimeSpan.FromSeconds(30)) && password == "right";
        }
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(5);
        }
    }
}
