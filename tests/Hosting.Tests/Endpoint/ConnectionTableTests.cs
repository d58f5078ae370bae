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

    [Theory]
    [InlineData(128L * 1024 * 1024 * 3 / 4, 2048)] // the watcher: 75 % of 128 MiB
    [InlineData(64L * 1024 * 1024 * 3 / 4, 1024)] // the writer
    [InlineData(1024L * 1024, 128)]
    [InlineData(24L * 1024 * 1024 * 1024, 4096)]
    public void The_cap_follows_the_memory_budget_within_bounds(long budget, int cap) =>
        Assert.Equal(cap, HttpLimits.ConnectionCapFor(budget));
}
