using Sidecars.Testing;

namespace Sidecars.Tests.Watcher;

public sealed class EventIdTests
{
    [Fact]
    public void Every_log_line_of_the_watcher_takes_a_number_and_name_of_its_own_from_the_tables_of_events() =>
        Assert.Empty(EventIds.Problems(typeof(Sidecars.Watcher.LineCounter).Assembly, typeof(Sidecars.Hosting.SidecarHost).Assembly));
}
