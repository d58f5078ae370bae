using Sidecars.Testing;
using Sidecars.Watcher.Metrics;

namespace Sidecars.Tests.Watcher.Metrics;

/// <summary>
/// The root README's metrics tables say what the watcher exports: every family of <see cref="MetricFamilies"/> fed by
/// the log has a row with its type and the nginx variable it comes from, and every row of a watcher family names
/// its real type.
/// </summary>
public sealed class ReadmeMetricsTableTests
{
    private static readonly string[][] Rows = [.. MarkdownDocument.TableRows(MarkdownDocument.Load("README.md").Section("## Metrics"))];

    public static TheoryData<string> LogFamilies() =>
        [.. MetricFamilies.All.Where(f => f.Name.StartsWith("nginx_", StringComparison.Ordinal)).Select(f => f.Name)];

    public static TheoryData<string> WatcherFamilies() =>
        [.. MetricFamilies.All.Where(f => Rows.Any(r => Names(r).Contains(f.Name))).Select(f => f.Name)];

    private static IEnumerable<string> Names(string[] row) =>
        row[0].Split(',', StringSplitOptions.TrimEntries).Select(n => n.Trim('`'));

    private static string[] RowOf(string name) => Assert.Single(Rows, r => Names(r).Contains(name));

    [Theory]
    [MemberData(nameof(LogFamilies))]
    public void Family_fed_by_the_log_has_a_row_with_its_type_and_its_variable(string name)
    {
        var family = MetricFamilies.Named(name)!;
        var row = RowOf(name);
        Assert.Equal(family.Type, row[1]);
        Assert.Contains($"`${family.FedBy ?? "status"}`", row[3], StringComparison.Ordinal);
        if (family.Label is not null)
        {
            Assert.Equal($"`{family.Label}`", row[2]);
        }
        else
        {
            Assert.Contains("`method`", row[2], StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(WatcherFamilies))]
    public void Row_of_a_family_names_its_type_and_label(string name)
    {
        var family = MetricFamilies.Named(name)!;
        var row = RowOf(name);
        Assert.Equal(family.Type, row[1]);
        if (family.Shape == FamilyShape.ByValue)
        {
            Assert.Equal($"`{family.Label}`", row[2]);
        }
    }

    [Theory]
    [InlineData("watcher_lines_total")]
    [InlineData("watcher_parse_errors_total")]
    [InlineData("watcher_lag_bytes")]
    [InlineData("watcher_files_lost_total")]
    [InlineData("watcher_state_save_failures_total")]
    public void Family_an_alert_reads_has_a_row(string name)
    {
        // The rest of the watcher's families are in watcher/README.md.
        Assert.Equal(MetricFamilies.Named(name)!.Type, RowOf(name)[1]);
    }
}
