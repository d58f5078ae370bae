using Microsoft.Extensions.Time.Testing;
using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

public sealed class TickScheduleTests
{
    private static readonly DateTimeOffset Morning = new(2020, 1, 8, 8, 59, 14, TimeSpan.Zero);

    [Fact]
    public void First_tick_from_a_start_late_in_a_second_is_the_next_second_boundary()
    {
        var clock = new FakeTimeProvider(Morning.AddMilliseconds(700));
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));

        var tick = schedule.Plan(clock.GetUtcNow(), schedule.BeforeFirst(clock.GetUtcNow()));

        Assert.Equal(Morning.AddSeconds(1), tick.Due);
        Assert.Equal(0, tick.Missed);
    }

    [Fact]
    public void First_tick_from_a_start_just_after_a_boundary_is_the_next_boundary_not_a_time_before_the_start()
    {
        var clock = new FakeTimeProvider(Morning.AddMilliseconds(30));
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));

        var tick = schedule.Plan(clock.GetUtcNow(), schedule.BeforeFirst(clock.GetUtcNow()));

        Assert.Equal(Morning.AddSeconds(1), tick.Due);
    }

    [Fact]
    public void First_tick_from_a_start_exactly_on_a_boundary_is_written_at_once()
    {
        var clock = new FakeTimeProvider(Morning);
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));

        var tick = schedule.Plan(clock.GetUtcNow(), schedule.BeforeFirst(clock.GetUtcNow()));

        Assert.Equal(Morning, tick.Due);
    }

    [Fact]
    public void Five_second_interval_ticks_on_multiples_of_five_seconds_since_the_epoch()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2020, 1, 8, 8, 59, 11, 600, TimeSpan.Zero));
        var schedule = new TickSchedule(TimeSpan.FromSeconds(5));

        var ticks = Run(clock, schedule, count: 20, jitter: TimeSpan.FromMilliseconds(40), out long missed);

        Assert.Equal(new DateTimeOffset(2020, 1, 8, 8, 59, 15, TimeSpan.Zero), ticks[0]);
        Assert.All(ticks, t => Assert.Equal(0, t.ToUnixTimeMilliseconds() % 5000));
        Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(TimeSpan.FromSeconds(5), p.Second - p.First));
        Assert.Equal(0, missed);
    }

    [Fact]
    public void Jump_forward_counts_the_missed_ticks_and_writes_only_the_current_one()
    {
        var clock = new FakeTimeProvider(Morning);
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));
        var last = schedule.Plan(clock.GetUtcNow(), schedule.BeforeFirst(clock.GetUtcNow())).Due;

        // The process was paused for 5.2 s: ticks 15..18 are gone, 19 is still on time.
        clock.Advance(TimeSpan.FromMilliseconds(5200));
        var tick = schedule.Plan(clock.GetUtcNow(), last);

        Assert.Equal(Morning.AddSeconds(5), tick.Due);
        Assert.Equal(4, tick.Missed);
    }

    [Fact]
    public void Jump_forward_past_half_an_interval_waits_for_the_next_boundary_instead_of_writing_late()
    {
        var clock = new FakeTimeProvider(Morning);
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));
        var last = schedule.Plan(clock.GetUtcNow(), schedule.BeforeFirst(clock.GetUtcNow())).Due;

        clock.Advance(TimeSpan.FromMilliseconds(5800));
        var tick = schedule.Plan(clock.GetUtcNow(), last);

        Assert.Equal(Morning.AddSeconds(6), tick.Due);
        Assert.True(tick.Due > clock.GetUtcNow());
        Assert.Equal(5, tick.Missed);
    }

    [Fact]
    public void Early_timer_gets_the_same_tick_again_not_a_second_line_for_the_last_one()
    {
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));
        var last = Morning;

        var early = schedule.Plan(Morning.AddMilliseconds(999), last);
        var earlier = schedule.Plan(Morning.AddMilliseconds(1), last);

        Assert.Equal(Morning.AddSeconds(1), early.Due);
        Assert.Equal(Morning.AddSeconds(1), earlier.Due);
        Assert.Equal(0, early.Missed);
    }

    [Fact]
    public void Clock_stepping_back_never_repeats_a_written_tick()
    {
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));
        var last = Morning;

        var tick = schedule.Plan(Morning.AddSeconds(-5), last);

        Assert.Equal(Morning.AddSeconds(1), tick.Due);
        Assert.Equal(0, tick.Missed);
    }

    [Fact]
    public void After_a_step_back_a_boundary_reached_on_time_is_written_at_once_without_missed_ticks()
    {
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));
        var now = Morning.AddHours(-1).AddMilliseconds(200);

        var tick = schedule.Plan(now, schedule.RestartAt(now));

        Assert.Equal(Morning.AddHours(-1), tick.Due);
        Assert.Equal(0, tick.Missed);
    }

    [Fact]
    public void After_a_step_back_late_in_a_second_the_next_boundary_is_waited_for_without_missed_ticks()
    {
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));
        var now = Morning.AddHours(-1).AddMilliseconds(700);

        var tick = schedule.Plan(now, schedule.RestartAt(now));

        Assert.Equal(Morning.AddHours(-1).AddSeconds(1), tick.Due);
        Assert.Equal(0, tick.Missed);
    }

    [Fact]
    public void Twenty_four_hours_of_late_and_early_timers_give_one_line_per_second_without_drift()
    {
        var start = new DateTimeOffset(2020, 1, 8, 8, 59, 13, 437, TimeSpan.Zero);
        var clock = new FakeTimeProvider(start);
        var schedule = new TickSchedule(TimeSpan.FromSeconds(1));

        var ticks = Run(clock, schedule, count: 24 * 3600, jitter: TimeSpan.FromMilliseconds(30), out long missed);

        var first = new DateTimeOffset(2020, 1, 8, 8, 59, 14, TimeSpan.Zero);
        for (int k = 0; k < ticks.Count; k++)
        {
            if (ticks[k] != first.AddSeconds(k))
            {
                Assert.Fail($"line {k} has {ticks[k]:O}, expected {first.AddSeconds(k):O}");
            }
        }
        Assert.Equal(0, missed);
        Assert.True(clock.GetUtcNow() - ticks[^1] < TimeSpan.FromMilliseconds(31));
    }

    /// <summary>Drives the schedule like the service: wait until due (timers fire late by up to
    /// <paramref name="jitter"/>, and every seventh one fires a little early), then write.</summary>
    private static List<DateTimeOffset> Run(FakeTimeProvider clock, TickSchedule schedule, int count, TimeSpan jitter, out long missed)
    {
        var random = new Random(42);
        var written = new List<DateTimeOffset>(count);
        var last = schedule.BeforeFirst(clock.GetUtcNow());
        missed = 0;
        while (written.Count < count)
        {
            var now = clock.GetUtcNow();
            var tick = schedule.Plan(now, last);
            if (tick.Due <= now)
            {
                written.Add(tick.Due);
                missed += tick.Missed;
                last = tick.Due;
                continue;
            }
            var wait = tick.Due - now;
            var fired = random.Next(7) == 0
                ? wait - TimeSpan.FromMilliseconds(1) // an early timer
                : wait + TimeSpan.FromTicks((long)(random.NextDouble() * jitter.Ticks));
            clock.Advance(fired > TimeSpan.Zero ? fired : TimeSpan.FromTicks(1));
        }
        return written;
    }
}
