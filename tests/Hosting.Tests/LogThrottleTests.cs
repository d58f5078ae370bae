using Microsoft.Extensions.Time.Testing;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting;

public sealed class LogThrottleTests
{
    [Fact]
    public void A_kind_is_logged_once_per_period_and_reports_how_many_were_held_back()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(time, TimeSpan.FromSeconds(10));

        Assert.True(throttle.ShouldLog("disk_full", out long first));
        Assert.Equal(0, first);
        for (int i = 0; i < 5; i++)
        {
            Assert.False(throttle.ShouldLog("disk_full", out _));
        }
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.True(throttle.ShouldLog("disk_full", out long suppressed));
        Assert.Equal(5, suppressed);
    }

    [Fact]
    public void Kinds_are_throttled_separately()
    {
        var throttle = new LogThrottle(new FakeTimeProvider(), TimeSpan.FromSeconds(10));

        Assert.True(throttle.ShouldLog("disk_full", out _));
        Assert.True(throttle.ShouldLog("read_only", out _));
        Assert.False(throttle.ShouldLog("disk_full", out _));
    }
}
