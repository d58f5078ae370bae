using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class ConnectionTableTests
{
    [Fact]
    public void At_the_cap_a_new_connection_takes_the_slot_of_the_one_that_waited_longest()
    {
        var table = new ConnectionTable(3);
        var aborted = new List<string>();
        var a = table.Admit(() => aborted.Add("a"), out _)!;
        var b = table.Admit(() => aborted.Add("b"), out _)!;
        var c = table.Admit(() => aborted.Add("c"), out _)!;

        var d = table.Admit(() => aborted.Add("d"), out var evicted);
        evicted?.Abort();

        Assert.NotNull(d);
        Assert.Same(a, evicted);
        Assert.Equal(["a"], aborted);
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public void A_connection_with_a_request_in_progress_is_never_evicted_and_waits_again_from_the_back()
    {
        var table = new ConnectionTable(2);
        var a = table.Admit(() => { }, out _)!;
        var b = table.Admit(() => { }, out _)!;

        // a serves a request, then waits for the next one: it is now the newest waiter.
        a.RequestStarted();
        Assert.NotNull(table.Admit(() => { }, out var first));
        Assert.Same(b, first);
        first!.Release(); // its connection has ended
        a.RequestEnded();
        var c = table.Admit(() => { }, out var second);

        Assert.NotNull(c);
        Assert.NotSame(a, second);
    }

    [Fact]
    public void When_every_connection_has_a_request_in_progress_a_new_one_is_refused()
    {
        var table = new ConnectionTable(2);
        table.Admit(() => { }, out _)!.RequestStarted();
        table.Admit(() => { }, out _)!.RequestStarted();

        Assert.Null(table.Admit(() => { }, out var evicted));
        Assert.Null(evicted);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void A_closed_connection_frees_its_slot_and_an_evicted_one_is_not_counted_twice()
    {
        var table = new ConnectionTable(1);
        var a = table.Admit(() => { }, out _)!;
        var b = table.Admit(() => { }, out var evicted)!;
        Assert.Same(a, evicted);

        a.Release(); // the evicted connection's own cleanup comes later
        a.RequestEnded();
        Assert.Equal(1, table.Count);
        b.Release();
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void While_a_quarter_of_the_cap_of_evicted_connections_have_not_ended_a_new_one_at_the_cap_is_refused()
    {
        var table = new ConnectionTable(8);
        var open = Enumerable.Range(0, 8).Select(i => table.Admit(() => { }, out _)!).ToList();
        var evicted = new List<ConnectionSlot>();
        for (int i = 0; i < 2; i++)
        {
            Assert.NotNull(table.Admit(() => { }, out var e));
            evicted.Add(e!);
        }

        // Two evicted (a quarter of 8) still hold what they held: no third eviction until one has ended.
        Assert.Null(table.Admit(() => { }, out var none));
        Assert.Null(none);
        Assert.Equal(2, table.Closing);
        evicted[0].Release();
        Assert.NotNull(table.Admit(() => { }, out var third));
        Assert.Same(open[2], third);
        Assert.Equal(8, table.Count);
    }

    [Fact]
    public void At_the_cap_a_new_connection_takes_the_slot_of_the_oldest_TLS_connection_still_waiting_for_its_ClientHello()
    {
        var table = new ConnectionTable(3);
        var idle = table.Admit(() => { }, out _)!;
        var stalled = table.Admit(() => { }, tls: true, out _)!;
        var stalledLater = table.Admit(() => { }, tls: true, out _)!;

        var next = table.Admit(() => { }, tls: true, out var evicted);

        // Not the connection that waited longest (idle): the oldest that has not even sent its ClientHello.
        Assert.NotNull(next);
        Assert.Same(stalled, evicted);
        Assert.Equal(2, table.AwaitingHello);
        Assert.False(stalled.HelloReceived(out _)); // its ClientHello, if it comes now, starts nothing
    }

    [Fact]
    public void At_the_handshake_cap_a_ClientHello_takes_the_slot_of_the_oldest_handshake_under_way()
    {
        var table = new ConnectionTable(10, maxHandshakes: 2);
        var first = table.Admit(() => { }, tls: true, out _)!;
        var second = table.Admit(() => { }, tls: true, out _)!;
        var third = table.Admit(() => { }, tls: true, out _)!;
        Assert.True(first.HelloReceived(out _));
        Assert.True(second.HelloReceived(out _));

        Assert.True(third.HelloReceived(out var evicted));

        Assert.Same(first, evicted);
        Assert.Equal(2, table.Handshakes);
        Assert.Equal(2, table.Count);
        Assert.Equal(1, table.Closing);
    }

    [Fact]
    public void A_finished_or_closed_handshake_no_longer_counts_against_the_handshake_cap()
    {
        var table = new ConnectionTable(10, maxHandshakes: 1);
        var done = table.Admit(() => { }, tls: true, out _)!;
        var closed = table.Admit(() => { }, tls: true, out _)!;
        var next = table.Admit(() => { }, tls: true, out _)!;
        Assert.True(done.HelloReceived(out _));
        done.HandshakeDone();
        Assert.True(closed.HelloReceived(out _));
        closed.Release();

        Assert.True(next.HelloReceived(out var evicted));

        Assert.Null(evicted);
        Assert.Equal(1, table.Handshakes);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void A_handshake_gives_way_at_the_connection_cap_like_any_connection_without_a_request()
    {
        var table = new ConnectionTable(2);
        var negotiating = table.Admit(() => { }, tls: true, out _)!;
        Assert.True(negotiating.HelloReceived(out _));
        var busy = table.Admit(() => { }, out _)!;
        busy.RequestStarted();

        var next = table.Admit(() => { }, tls: true, out var evicted);

        Assert.NotNull(next);
        Assert.Same(negotiating, evicted);
        Assert.Equal(0, table.Handshakes);
    }

    [Theory]
    [InlineData(128L * 1024 * 1024 * 3 / 4, false, 2048)] // the watcher: 75 % of 128 MiB
    [InlineData(64L * 1024 * 1024 * 3 / 4, false, 1024)] // the writer
    [InlineData(128L * 1024 * 1024 * 3 / 4, true, 1024)] // the watcher with TLS
    [InlineData(64L * 1024 * 1024 * 3 / 4, true, 512)] // the writer with TLS
    [InlineData(1024L * 1024, false, 128)]
    [InlineData(24L * 1024 * 1024 * 1024, false, 4096)]
    public void The_cap_follows_the_memory_budget_within_bounds(long budget, bool tls, int cap) =>
        Assert.Equal(cap, HttpLimits.ConnectionCapFor(budget, tls));

    [Theory]
    [InlineData(1024, 256)]
    [InlineData(512, 128)]
    [InlineData(2, 1)]
    public void A_quarter_of_the_cap_may_be_in_a_TLS_handshake(int cap, int handshakes) =>
        Assert.Equal(handshakes, HttpLimits.HandshakeCapFor(cap));
}
