using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Watcher.State;

/// <summary>The state's size is bounded by the settings, and both slots are reserved at that size at start.</summary>
public sealed class StateSizeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new("watcher-state-size");
    private string? _mounted;

    public void Dispose()
    {
        if (_mounted is not null)
        {
            using var umount = System.Diagnostics.Process.Start("umount", [_mounted]);
            umount.WaitForExit();
        }
        _folder.Dispose();
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(500, 0)]
    [InlineData(500, 20)]
    [InlineData(10_000, 0)]
    public void A_full_state_with_the_largest_values_fits_in_the_bound(int maxLabelSets, int routes)
    {
        // Given settings, and the values they allow filled to the brim through the real counting path
        var options = new WatcherOptions
        {
            MaxLabelSets = maxLabelSets,
            Routes = [.. Enumerable.Range(0, routes).Select(i => new RouteOptions { Name = $"route_with_a_long_name_{i:D2}", Pattern = $"/r{i}" })],
        };
        var (processor, metrics) = TestLines.Processor(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        string[] methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND"];
        for (int i = 0; i < maxLabelSets + 50; i++)
        {
            processor.Feed(TestLines.Timed(methods[i % methods.Length], $"/r{i % Math.Max(1, routes + 1)}", 100 + (i / methods.Length % 500), 999_999_999_999_999_999, "999999.999", "HIT"));
        }
        var v = metrics.Staged;
        v.LinesParsed = v.LinesMalformed = v.LinesTooLong = v.BytesRead = Counter.Max;
        var far = new TailPosition(new FileIdentity(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, 1024), Counter.Max);
        var checkpoint = new TailCheckpoint([new LogPosition("/var/log/nginx/access.log", far, [], [.. Enumerable.Repeat(far, 16)])], 0, 0)
        {
            TakenAt = DateTimeOffset.MaxValue,
        };

        // When it is saved
        using var store = new StateStore(_folder.Path);
        store.Save(StateMapping.ToState(v, checkpoint, DateTimeOffset.MaxValue));
        long actual = new FileInfo(store.SlotPaths[0]).Length;
        long bound = StateSize.SlotBound(options);

        // Then the slot is within the bound (the bound takes every value at its longest: it is the worst case)
        output.WriteLine($"MaxLabelSets {maxLabelSets}, {routes} routes: slot {actual} bytes, bound {bound} bytes ({(double)bound / Math.Max(1, maxLabelSets):F0} per set)");
        Assert.InRange(actual, 1, bound);
    }

    [Fact]
    public void A_full_state_with_route_values_from_paths_fits_in_the_bound()
    {
        // Given a route whose values come from the path, filled with the longest values JSON escapes most ('<' is \u003C)
        var options = new WatcherOptions
        {
            MaxLabelSets = 200,
            Routes = [new RouteOptions { Name = "tenant", Regex = "^/t/(?<t>.+)$", Replacement = "${t}", MaxValues = 20 }, new RouteOptions { Name = "api", Pattern = "/api" }],
        };
        var (processor, metrics) = TestLines.Processor(format: LogFormat.Compile(TestLines.TimedFormat), options: options);
        string[] methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND"];
        for (int i = 0; i < options.MaxLabelSets + 50; i++)
        {
            string value = $"{i % 25:D2}" + new string('<', Sidecars.Watcher.Metrics.LabelValues.MaxValueBytes - 2);
            processor.Feed(TestLines.Timed(methods[i % methods.Length], $"/t/{value}", 100 + (i / methods.Length % 500), 999_999_999_999_999_999, "999999.999", "HIT"));
        }

        // When it is saved
        using var store = new StateStore(_folder.Path);
        store.Save(StateMapping.ToState(metrics.Staged, checkpoint: null, DateTimeOffset.MaxValue));
        long actual = new FileInfo(store.SlotPaths[0]).Length;
        long bound = StateSize.SlotBound(options);

        // Then it is within the bound
        output.WriteLine($"expanding route: slot {actual} bytes, bound {bound} bytes");
        int route = metrics.Layout.DimensionOf(DimensionKind.Route);
        Assert.Equal(23, Enumerable.Range(0, metrics.Staged.LabelSetCount).Select(id => metrics.Layout.KeyOf(id)[route]).Append(0).Append(1).Append(2).Distinct().Count()); // other, tenant, api and 20 values
        Assert.InRange(actual, 1, bound);
    }

    [Fact]
    public void Each_label_set_adds_at_most_the_documented_bytes()
    {
        long one = StateSize.SlotBound(new WatcherOptions { MaxLabelSets = 1 });
        long many = StateSize.SlotBound(new WatcherOptions { MaxLabelSets = 1001 });
        Assert.InRange((many - one) / 1000.0, 1, StateSize.BytesPerLabelSet);
    }

    [Fact]
    public void A_state_folder_too_small_for_two_slots_stops_the_watcher_at_start_with_one_line()
    {
        // Given a volume of 256 KiB (a tmpfs, like an emptyDir with a sizeLimit; mounting needs root, as CI has)
        string small = MountTmpfs("256k");

        // When the settings need more than it holds, then one line says so before anything starts
        var tooMany = new WatcherOptions { Path = _folder.File("access.log"), StateDirectory = small, MaxLabelSets = 10_000 };
        var failure = Assert.Single(WatcherOptionsValidator.Check(tooMany, checkStateDirectory: true));
        Assert.StartsWith($"Watcher:StateDirectory {small} has no room for the state: it needs up to 2 x ", failure, StringComparison.Ordinal);
        Assert.Contains("Watcher:MaxLabelSets=10000", failure, StringComparison.Ordinal);

        // And settings that fit get both slots reserved at their largest, so later saves cannot run out of room
        var fits = new WatcherOptions { Path = _folder.File("access.log"), StateDirectory = small, MaxLabelSets = 100 };
        Assert.Empty(WatcherOptionsValidator.Check(fits, checkStateDirectory: true));
        long reserved = StateStore.SlotFileNames.Sum(n => BlocksOf(Path.Combine(small, n)));
        Assert.True(reserved >= 2 * StateSize.SlotBound(fits), $"reserved {reserved} bytes");
    }

    private string MountTmpfs(string size)
    {
        string path = Path.Combine(_folder.Path, "small");
        Directory.CreateDirectory(path);
        using var mount = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", path]);
        mount.WaitForExit();
        Assert.True(mount.ExitCode == 0, "mounting a tmpfs needs root (CI runs as root)");
        _mounted = path;
        return path;
    }

    // st_blocks * 512: what the file holds on disk, reserved blocks included.
    private static long BlocksOf(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b", path]) { RedirectStandardOutput = true })!;
        string text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture) * 512;
    }
}
