using Sidecars.Testing;

namespace Sidecars.Tests.Watcher;

public sealed class EventIdTests
{
    [Fact]
    public void No_two_log_lines_of_the_watcher_share_an_event_id() =>
        Assert.Empty(EventIds.Problems(typeof(Sidecars.Watcher.LineCounter).Assembly, typeof(Sidecars.Hosting.SidecarHost).Assembly));
}
