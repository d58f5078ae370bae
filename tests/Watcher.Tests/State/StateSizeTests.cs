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

    /// <summary>Settings whose largest state is built for real below: the defaults, and each way a state grows.</summary>
    private static readonly (string Name, Func<string, WatcherOptions> Options)[] Configurations =
    [
        ("defaults", _ => new WatcherOptions()),
        ("MaxLabelSets 10000", _ => new WatcherOptions { MaxLabelSets = 10_000 }),
        ("routes with 256-byte values from the path", _ => new WatcherOptions
        {
            MaxLabelSets = 1_000,
            Routes =
            [
                new RouteOptions { Name = "health", Pattern = "/healthz" },
                new RouteOptions { Name = "user", Regex = "^/users/[0-9]+$", Replacement = "/users/:id" },
                new RouteOptions { Name = "tenant", Regex = "^/t/(?<t>[^/]+)/", Replacement = "${t}", MaxValues = 60 },
            ],
        }),
        ("a label on the histograms", _ => new WatcherOptions
        {
            MaxLabelSets = 1_000,
            Labels = [new LabelOptions { Name = "host", Variable = "$host", MaxValues = 100, OnHistograms = true }],
        }),
        ("several logs", folder => new WatcherOptions
        {
            Paths = [Path.Combine(folder, "*.log")],
            MaxLogs = 16,
            MaxLabelSets = 500,
        }),
        ("everything at once", folder => new WatcherOptions
        {
            Paths = [Path.Combine(folder, "*.log")],
            MaxLogs = 4,
            MaxLabelSets = 400,
            StatusClasses = true,
            Routes = [new RouteOptions { Name = "tenant", Regex = "^/t/(?<t>[^/]+)/", Replacement = "${t}", MaxValues = 8 }],
            Labels =
            [
                new LabelOptions { Name = "host", Variable = "$host", MaxValues = 5, OnHistograms = true },
                new LabelOptions { Name = "upstream", Variable = "$upstream_addr", MaxValues = 20 },
            ],
        }),
    ];

    public static TheoryData<int> ConfigurationIndexes => new(Enumerable.Range(0, Configurations.Length));

    [Theory]
    [MemberData(nameof(ConfigurationIndexes))]
    public void A_state_filled_to_the_largest_the_settings_allow_fits_in_the_bound(int index)
    {
        // Given settings, and every value they allow filled to the brim through the real counting path: every label
        // set and histogram series, the longest values JSON escapes most, the largest counters, every log's files
        var (name, configure) = Configurations[index];
        var options = configure(_folder.Path);
        var state = WorstCaseState.Fill(options, _folder.Path);

        // When it is saved
        using var store = new StateStore(_folder.Path);
        store.Save(state);
        long actual = new FileInfo(store.SlotPaths[0]).Length;
        var bound = StateSize.Of(options);

        // Then the slot is within the bound, and the bound is not far above it
        output.WriteLine($"{name}: slot {actual:N0} bytes, bound {bound.Slot:N0} bytes ({bound.LabelSetCount} label sets, {bound.SeriesCount} series a histogram, {state.Logs.Count} logs): {(double)actual / bound.Slot:P1}");
        Assert.Equal(bound.LabelSetCount, state.LabelSets.Count);
        Assert.All(state.Histograms.Values, h => Assert.Equal(bound.SeriesCount, h.Series.Count));
        Assert.InRange(actual, bound.Slot * 9 / 10, bound.Slot);
    }

    [Fact]
    public void Working_out_the_bound_takes_little_memory_whatever_the_settings()
    {
        // Given the settings that allow the largest states: many label sets with long route values, a label on the
        // histograms with many values, several logs
        var folder = _folder.Path;
        WatcherOptions[] largest =
        [
            new() { MaxLabelSets = 2_000, Routes = [new RouteOptions { Name = "tenant", Regex = "^/t/(?<t>[^/]+)/", Replacement = "${t}", MaxValues = 498 }] },
            new() { MaxLabelSets = 10_000, Labels = [new LabelOptions { Name = "host", Variable = "$host", MaxValues = 500, OnHistograms = true }] },
            new()
            {
                MaxLabelSets = 10_000,
                Paths = [Path.Combine(folder, "*.log")],
                MaxLogs = 256,
                Routes = [new RouteOptions { Name = "tenant", Regex = "^/t/(?<t>[^/]+)/", Replacement = "${t}", MaxValues = 500 }],
                Labels = [.. Enumerable.Range(0, 4).Select(i => new LabelOptions { Name = $"l{i}", Variable = "$host", MaxValues = 10_000, OnHistograms = true })],
            },
        ];

        foreach (var options in largest)
        {
            // When the bound is worked out
            long before = GC.GetAllocatedBytesForCurrentThread();
            long bound = StateSize.SlotBound(options);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // Then it takes a few megabytes at most (compiling the routes' regexes, mostly), not a state of that size
            output.WriteLine($"bound {bound:N0} bytes a slot, worked out with {allocated:N0} bytes allocated");
            Assert.InRange(allocated, 0, 4 * 1024 * 1024);
        }
    }

    [Fact]
    public void Settings_that_allow_a_state_larger_than_a_save_can_hold_stop_the_watcher_at_start_with_one_line()
    {
        // Given a state folder, and the settings that ran out of memory at start (OutOfMemoryException, exit 134):
        // a route with 499 values from the path and 2,000 label sets; a label on the histograms with 500 values
        // and 10,000 label sets
        string state = Directory.CreateDirectory(Path.Combine(_folder.Path, "state")).FullName;
        var routes = new WatcherOptions
        {
            Path = _folder.File("access.log"),
            StateDirectory = state,
            MaxLabelSets = 2_000,
            Routes = [new RouteOptions { Name = "tenant", Regex = "^/t/(?<t>[^/]+)/", Replacement = "${t}", MaxValues = 499 }],
        };
        var label = new WatcherOptions
        {
            Path = _folder.File("access.log"),
            StateDirectory = state,
            Format = WorstCaseState.Format,
            MaxLabelSets = 10_000,
            Labels = [new LabelOptions { Name = "host", Variable = "$host", MaxValues = 500, OnHistograms = true }],
        };

        // When they are checked, then each is one line naming the settings and how far to lower the cap
        var tooManyRoutes = Assert.Single(WatcherOptionsValidator.Check(routes, checkStateDirectory: true));
        output.WriteLine(tooManyRoutes);
        Assert.Matches(@"^Watcher:StateDirectory: Watcher:MaxLabelSets=2000 with Watcher:Routes \(499 values, from the path: up to 256 bytes each\) allows a saved state of up to [0-9.]+ MiB a slot, more than the 8 MiB the watcher can save within its memory; lower Watcher:MaxLabelSets to [0-9]+ or less, or what the labels allow, or leave Watcher:StateDirectory empty \(nothing saved\)$", tooManyRoutes);
        var tooManyHosts = Assert.Single(WatcherOptionsValidator.Check(label, checkStateDirectory: true));
        output.WriteLine(tooManyHosts);
        Assert.StartsWith("Watcher:StateDirectory: Watcher:MaxLabelSets=10000 with Watcher:Labels:0 (host, 500 values, on the histograms) allows a saved state of up to ", tooManyHosts, StringComparison.Ordinal);

        // And the cap it names is the largest that fits: with it the settings start
        int fits = int.Parse(System.Text.RegularExpressions.Regex.Match(tooManyRoutes, "to ([0-9]+) or less").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        routes.MaxLabelSets = fits;
        Assert.Empty(WatcherOptionsValidator.Check(routes, checkStateDirectory: true));
        routes.MaxLabelSets = fits + 1;
        Assert.True(StateSize.SlotBound(routes) > StateSize.MaxSlotBytes);
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

        // When the settings need more than it holds, then the validation of the settings writes nothing there, and the
        // check of the folder at start says so in one line before anything else starts
        var tooMany = new WatcherOptions { Path = _folder.File("access.log"), StateDirectory = small, MaxLabelSets = 10_000 };
        Assert.Empty(WatcherOptionsValidator.Check(tooMany, checkStateDirectory: true));
        Assert.Empty(Directory.GetFileSystemEntries(small));
        string? failure = StateDirectoryCheck.Problem(tooMany);
        Assert.NotNull(failure);
        Assert.StartsWith($"Watcher:StateDirectory {small} has no room for the state: it needs up to 2 x ", failure, StringComparison.Ordinal);
        Assert.Contains("Watcher:MaxLabelSets=10000", failure, StringComparison.Ordinal);

        // And settings that fit get both slots reserved at their largest, so later saves cannot run out of room
        var fits = new WatcherOptions { Path = _folder.File("access.log"), StateDirectory = small, MaxLabelSets = 100 };
        Assert.Empty(WatcherOptionsValidator.Check(fits, checkStateDirectory: true));
        Assert.Null(StateDirectoryCheck.Problem(fits));
        long reserved = StateStore.SlotFileNames.Sum(n => BlocksOf(Path.Combine(small, n)));
        Assert.True(reserved >= 2 * StateSize.SlotBound(fits), $"reserved {reserved} bytes");
    }

    [Fact]
    public void A_state_folder_the_watcher_cannot_write_stops_it_at_start_with_one_line()
    {
        // Given a read-only volume (a tmpfs mounted read-only: not even root writes there)
        string readOnly = MountTmpfs("64k", readOnly: true);
        var options = new WatcherOptions { Path = _folder.File("access.log"), StateDirectory = readOnly };

        // When the settings are checked, then they are right; and the check of the folder at start names it
        Assert.Empty(WatcherOptionsValidator.Check(options, checkStateDirectory: true));
        string? failure = StateDirectoryCheck.Problem(options);
        Assert.NotNull(failure);
        Assert.StartsWith($"Watcher:StateDirectory {readOnly} is not writable: ", failure, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure);
    }

    private string MountTmpfs(string size, bool readOnly = false)
    {
        string path = Path.Combine(_folder.Path, "small");
        Directory.CreateDirectory(path);
        using var mount = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", $"{(readOnly ? "ro," : "")}size={size}", "tmpfs", path]);
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
