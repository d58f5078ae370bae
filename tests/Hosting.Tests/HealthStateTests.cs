using Microsoft.Extensions.Time.Testing;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting;

public sealed class HealthStateTests
{
    [Fact]
    public void Not_live_before_the_first_beat_and_after_a_beat_goes_stale()
    {
        var time = new FakeTimeProvider();
        var health = new HealthState(time) { StaleAfter = TimeSpan.FromSeconds(5) };
        Assert.False(health.IsLive);

        health.Beat();
        Assert.True(health.IsLive);

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(health.IsLive);
        Assert.Equal("main loop is not running", health.NotReadyReason);
    }

    [Fact]
    public void Readiness_follows_what_the_service_says_while_the_loop_is_live()
    {
        var health = new HealthState(new FakeTimeProvider());
        health.Beat();
        Assert.Equal("starting", health.NotReadyReason);

        health.SetReady();
        Assert.Null(health.NotReadyReason);

        health.SetNotReady("disk full: /html/index.html");
        Assert.Equal("disk full: /html/index.html", health.NotReadyReason);
    }
}
