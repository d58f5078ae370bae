using Sidecars.Watcher.Metrics;

namespace Sidecars.Tests.Watcher.Metrics;

/// <summary>The p95 of the summary line: estimated from histogram buckets, linearly inside the bucket that holds it.</summary>
public sealed class QuantileTests
{
    private static HistogramValues Observed(double[] bounds, params (double Value, int Times)[] observations)
    {
        var histogram = new HistogramValues(bounds, series: 1);
        foreach (var (value, times) in observations)
        {
            for (int i = 0; i < times; i++)
            {
                histogram.Observe(0, value);
            }
        }
        return histogram;
    }

    [Fact]
    public void P95_is_interpolated_between_the_bounds_of_its_bucket()
    {
        // 100 observations: 50 up to 0.1, 40 in (0.1, 0.2], 10 in (0.2, 0.5]. The 95th is the 5th of the
        // 10 in (0.2, 0.5]: 0.2 + 0.3 * 5/10.
        var histogram = Observed([0.1, 0.2, 0.5, 1], (0.05, 50), (0.15, 40), (0.3, 10));

        Assert.Equal(0.35, histogram.EstimateQuantile(0.95, histogram.Totals()), 12);
    }

    [Fact]
    public void In_the_first_bucket_the_lower_bound_is_zero()
    {
        var histogram = Observed([0.1, 1], (0.01, 20));

        Assert.Equal(0.095, histogram.EstimateQuantile(0.95, histogram.Totals()), 12);
        Assert.Equal(0.05, histogram.EstimateQuantile(0.5, histogram.Totals()), 12);
    }

    [Fact]
    public void Above_the_highest_bound_the_estimate_is_that_bound_and_without_observations_there_is_none()
    {
        var slow = Observed([0.1, 1], (0.05, 1), (30, 19));
        var none = Observed([0.1, 1]);

        Assert.Equal(1, slow.EstimateQuantile(0.95, slow.Totals()));
        Assert.True(double.IsNaN(none.EstimateQuantile(0.95, none.Totals())));
    }
}
