using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

/// <summary>The order and the pace of bcrypt checks, on a fake clock: each check "takes" 100 ms by moving it.</summary>
public sealed class PasswordCheckQueueTests : IDisposable
{
    private static readonly TimeSpan CheckTime = TimeSpan.FromMilliseconds(100);
    private static readonly UInt128 Attacker = 66;
    private static readonly UInt128 OtherAttacker = 67;
    private static readonly UInt128 Prometheus = 9;

    private readonly TimerCountingTimeProvider _time = new();
    private readonly PasswordCheckQueue _queue;
    private readonly SemaphoreSlim _gate = new(0);
    private readonly List<string> _order = [];
    private int _started;

    public PasswordCheckQueueTests() => _queue = new PasswordCheckQueue(_time);

    public void Dispose()
    {
        _queue.Dispose();
        _gate.Dispose();
    }

    // A check named `name` for `client` that waits for the gate, then takes CheckTime; "right..." passes.
    private Task<bool> Enqueue(UInt128 client, string name, bool gated = true)
    {
        Assert.True(_queue.TryEnqueue(client, () =>
        {
            lock (_order)
            {
                _order.Add(name);
            }
            Interlocked.Increment(ref _started);
            if (gated)
            {
                Assert.True(_gate.Wait(TimeSpan.FromSeconds(30)));
            }
            _time.Advance(CheckTime);
            return name.StartsWith("right", StringComparison.Ordinal);
        }, out var verdict));
        return verdict;
    }

    private string[] Order
    {
        get
        {
            lock (_order)
            {
                return [.. _order];
            }
        }
    }

    [Fact]
    public async Task A_client_that_sent_no_wrong_password_is_checked_before_every_waiting_check_of_a_suspect()
    {
        // Given an attacker whose first wrong password is being checked and four more waiting
        var first = Enqueue(Attacker, "wrong-1");
        await Eventually(() => _started == 1);
        var queued = Enumerable.Range(2, 4).Select(i => Enqueue(Attacker, $"wrong-{i}")).ToList();

        // When Prometheus' first scrape after a restart arrives
        var prometheus = Enqueue(Prometheus, "right-prometheus");
        _gate.Release(10);

        // Then it is the very next check, and it waits for no budget
        Assert.True(await prometheus.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["wrong-1", "right-prometheus"], Order);
        Assert.False(await first);
        // While the attacker's waiting checks go at half a core: each waits as long as the last check took
        for (int i = 0; i < 4; i++)
        {
            await Eventually(() => _queue.Checks == 2 + i && Waiting());
            _time.Advance(CheckTime);
        }
        Assert.All(await Task.WhenAll(queued), Assert.False);
        Assert.Equal(6, _queue.Checks);
    }

    [Fact]
    public async Task Suspects_take_turns_one_check_each()
    {
        // Given two attackers who have each sent a wrong password
        Assert.False(await Run(Attacker, "a-0"));
        Assert.False(await Run(OtherAttacker, "b-0"));
        _time.Advance(TimeSpan.FromSeconds(1));
        var first = Enqueue(Attacker, "a-1");
        await Eventually(() => _started == 3);

        // When each has more checks waiting
        var rest = new[] { Enqueue(OtherAttacker, "b-1"), Enqueue(Attacker, "a-2"), Enqueue(OtherAttacker, "b-2"), Enqueue(Attacker, "a-3") };
        _gate.Release(10);
        var all = Task.WhenAll([first, .. rest]);
        while (!all.IsCompleted)
        {
            await Task.Delay(5);
            _time.Advance(CheckTime);
        }

        // Then they alternate
        Assert.Equal(["a-0", "b-0", "a-1", "b-1", "a-2", "b-2", "a-3"], Order);
    }

    [Fact]
    public async Task Checks_of_suspects_use_at_most_half_of_the_check_thread()
    {
        // Given an attacker that keeps four checks waiting for 10 s of the fake clock
        var start = _time.GetUtcNow();
        var verdicts = new List<Task<bool>>();
        while (_time.GetUtcNow() - start < TimeSpan.FromSeconds(10))
        {
            while (_queue.TryEnqueue(Attacker, () => { _time.Advance(CheckTime); return false; }, out var verdict))
            {
                verdicts.Add(verdict);
            }
            await Task.Delay(1);
            // The clock moves by itself only while a check runs; the waits between checks move it here.
            if (Waiting())
            {
                _time.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        // Then checks took at most half of the time (one check more for the first, made at once)
        Assert.InRange(_queue.Checks, 40, 51);
    }

    [Fact]
    public async Task A_client_has_at_most_four_checks_waiting()
    {
        // Given one check in progress and four waiting for the attacker
        var first = Enqueue(Attacker, "wrong-0");
        await Eventually(() => _started == 1);
        var waiting = Enumerable.Range(1, PasswordCheckQueue.MostWaitingPerClient).Select(i => Enqueue(Attacker, $"wrong-{i}")).ToList();

        // Then a fifth is refused at once, unchecked, while another client is still taken
        Assert.False(_queue.TryEnqueue(Attacker, () => true, out var refused));
        Assert.False(await refused);
        Assert.True(_queue.TryEnqueue(Prometheus, () => true, out var other));
        _gate.Release(10);
        Assert.True(await other.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await first);
    }

    [Fact]
    public async Task A_suspect_is_first_again_after_a_right_password_or_ten_quiet_minutes()
    {
        Assert.False(await Run(Attacker, "wrong"));
        Assert.True(await Run(Attacker, "right"));
        Assert.False(await Run(Attacker, "wrong-again"));
        _time.Advance(PasswordCheckQueue.SuspectFor);

        // A check in progress for someone, then the former suspect and a suspect of now
        Assert.False(await Run(OtherAttacker, "b-0"));
        var inProgress = Enqueue(Prometheus, "someone");
        await Eventually(() => _started == 5);
        var suspect = Enqueue(OtherAttacker, "b-1");
        var forgiven = Enqueue(Attacker, "a-1");
        _gate.Release(10);
        await Task.WhenAll(inProgress, forgiven);

        Assert.Equal(["someone", "a-1"], Order[^2..]);
        while (!suspect.IsCompleted)
        {
            await Task.Delay(5);
            _time.Advance(CheckTime);
        }
    }

    private async Task<bool> Run(UInt128 client, string name)
    {
        var verdict = Enqueue(client, name, gated: false);
        while (!verdict.IsCompleted)
        {
            // A suspect waits for the budget: move the clock for it.
            await Task.Delay(5);
            if (Waiting())
            {
                _time.Advance(CheckTime);
            }
        }
        return await verdict;
    }

    // The check thread waits on the fake clock for the budget (a timer is pending), not in a check.
    private bool Waiting() => _time.PendingTimers > 0;

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(2);
        }
    }
}
