using Sidecars.Writer;

namespace Sidecars.Tests.Writer;

public sealed class ClockStepDetectorTests
{
    private static readonly DateTimeOffset Morning = new(2020, 1, 8, 8, 59, 14, TimeSpan.Zero);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void First_reading_is_never_a_step()
    {
        var detector = new ClockStepDetector(Second);

        Assert.Equal(ClockStepDirection.None, detector.Observe(Morning, TimeSpan.FromDays(3)).Direction);
    }

    [Fact]
    public void A_pause_moves_both_clocks_alike_and_is_not_a_step()
    {
        var detector = new ClockStepDetector(Second);
        detector.Observe(Morning, TimeSpan.Zero);

        var step = detector.Observe(Morning.AddMinutes(10), TimeSpan.FromMinutes(10));

        Assert.Equal(new ClockStep(ClockStepDirection.None, TimeSpan.Zero), step);
    }

    [Fact]
    public void Wall_clock_falling_behind_by_more_than_the_threshold_is_a_backward_step_of_that_size()
    {
        var detector = new ClockStepDetector(Second);
        detector.Observe(Morning, TimeSpan.Zero);

        var step = detector.Observe(Morning.AddSeconds(1).AddHours(-1), Second);

        Assert.Equal(new ClockStep(ClockStepDirection.Backward, TimeSpan.FromHours(-1)), step);
    }

    [Fact]
    public void Wall_clock_running_ahead_by_more_than_the_threshold_is_a_forward_step_of_that_size()
    {
        var detector = new ClockStepDetector(Second);
        detector.Observe(Morning, TimeSpan.Zero);

        var step = detector.Observe(Morning.AddSeconds(3), TimeSpan.FromMilliseconds(500));

        Assert.Equal(new ClockStep(ClockStepDirection.Forward, TimeSpan.FromMilliseconds(2500)), step);
    }

    [Theory]
    [InlineData(-1000)]
    [InlineData(-999)]
    [InlineData(1000)]
    [InlineData(3)]
    public void Differences_up_to_the_threshold_are_not_steps(int milliseconds)
    {
        var detector = new ClockStepDetector(Second);
        detector.Observe(Morning, TimeSpan.Zero);

        var step = detector.Observe(Morning.AddSeconds(5).AddMilliseconds(milliseconds), TimeSpan.FromSeconds(5));

        Assert.Equal(ClockStepDirection.None, step.Direction);
    }

    [Fact]
    public void Each_reading_is_compared_with_the_one_before_so_a_step_is_reported_once()
    {
        var detector = new ClockStepDetector(Second);
        detector.Observe(Morning, TimeSpan.Zero);

        var first = detector.Observe(Morning.AddHours(-1).AddSeconds(1), Second);
        var next = detector.Observe(Morning.AddHours(-1).AddSeconds(2), 2 * Second);

        Assert.Equal(ClockStepDirection.Backward, first.Direction);
        Assert.Equal(ClockStepDirection.None, next.Direction);
    }
}
