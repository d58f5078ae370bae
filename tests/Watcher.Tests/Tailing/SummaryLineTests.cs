using Microsoft.Extensions.Time.Testing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>Many like events in one log line: the first at once, then at most one per interval.</summary>
public sealed class SummaryLineTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void The_first_events_make_one_line_at_once_with_their_count_and_the_first_few_names()
    {
        var summary = new SummaryLine(_clock, TimeSpan.FromSeconds(10));
        for (int i = 0; i < 5000; i++)
        {
            summary.Add($"site{i}.access.log");
        }

        Assert.True(summary.TryTake(out int count, out string examples));
        Assert.Equal(5000, count);
        Assert.Equal("site0.access.log; site1.access.log; site2.access.log; ...", examples);
        Assert.False(summary.TryTake(out _, out _));
    }

    [Fact]
    public void Later_events_wait_for_the_interval_and_make_one_more_line()
    {
        var summary = new SummaryLine(_clock, TimeSpan.FromSeconds(10));
        summary.Add("a");
        Assert.True(summary.TryTake(out _, out _));

        summary.Add("b");
        summary.Add("c");
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(summary.TryTake(out _, out _));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(summary.TryTake(out int count, out string examples));
        Assert.Equal(2, count);
        Assert.Equal("b; c", examples);
    }

    [Fact]
    public void Nothing_to_tell_makes_no_line_however_long_it_waits()
    {
        var summary = new SummaryLine(_clock, TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(summary.TryTake(out _, out _));
    }
}
