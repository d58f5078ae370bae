using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5_000)]
    [InlineData("1m", 60_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData("0s", 0)]
    [InlineData(" 5s ", 5_000)]
    [InlineData("00:00:05", 5_000)]
    [InlineData("00:00:00.250", 250)]
    [InlineData("1.00:00:00", 86_400_000)]
    public void The_exporters_durations_and_dotnets_are_read(string text, long milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("5x")]
    [InlineData("1.5s")]
    [InlineData("-5s")]
    [InlineData("5s1m")]
    [InlineData("5s5s")]
    [InlineData("1ms1s")]
    [InlineData("99999999999999999s")]
    [InlineData("five seconds")]
    public void Anything_else_is_not_a_duration(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData(250, "250ms")]
    [InlineData(5_000, "5s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(3_723_004, "1h2m3s4ms")]
    [InlineData(0, "0s")]
    [InlineData(-1_000, "-1s")]
    public void Durations_are_written_as_the_exporters_write_them(long milliseconds, string text) =>
        Assert.Equal(text, Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData("Failed to convert configuration value 'abc' at 'Http:Port' to type 'System.Int32'.", "Http:Port: \"abc\" is not a whole number")]
    [InlineData("Failed to convert configuration value 'x' at 'Watcher:Labels:0:OnHistograms' to type 'System.Boolean'.", "Watcher:Labels:0:OnHistograms: \"x\" is not true or false")]
    [InlineData("Failed to convert configuration value '1e' at 'Watcher:DurationBuckets:0' to type 'System.Double'.", "Watcher:DurationBuckets:0: \"1e\" is not a number")]
    public void A_value_that_does_not_convert_is_named_with_its_setting_never_with_a_dotnet_type(string binder, string expected)
    {
        Assert.Equal(expected, SidecarHost.NotConvertible(binder));
        Assert.DoesNotContain("System.", SidecarHost.NotConvertible(binder), StringComparison.Ordinal);
    }
}
