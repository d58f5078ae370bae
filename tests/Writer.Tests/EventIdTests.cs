using Sidecars.Testing;

namespace Sidecars.Tests.Writer;

public sealed class EventIdTests
{
    [Fact]
    public void No_two_log_lines_of_the_writer_share_an_event_id() =>
        Assert.Empty(EventIds.Problems(typeof(Sidecars.Writer.WriterService).Assembly, typeof(Sidecars.Hosting.SidecarHost).Assembly));
}
