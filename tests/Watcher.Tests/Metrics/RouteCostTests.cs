using System.Diagnostics;
using System.Text;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Xunit.Abstractions;

namespace Sidecars.Tests.Watcher.Metrics;

/// <summary>No path can stall the counting: routes see at most 1 KiB of it, and a route too costly on the hardest paths for it is refused at start.</summary>
public sealed class RouteCostTests(ITestOutputHelper output)
{
    private static WatcherOptions Options(params RouteOptions[] routes) => new() { Path = "/tmp/access.log", Format = "$host \"$request\" $status", Routes = [.. routes] };

    private static string Route(RouteTable table, string path) => table.ValueName(table.Match(Encoding.UTF8.GetBytes(path), default));

    [Theory]
    [InlineData("^/(.*)a.{60}$", "$1")] // 130 lines/s on 8 KB paths before
    [InlineData("^/.*a.{20}$", null)] // 659 lines/s on 8 KB paths before
    public void A_regex_whose_states_multiply_is_refused_at_start_with_its_measured_cost(string regex, string? replacement)
    {
        // Given a regex that makes the linear-time engine track every position of the path
        var options = Options(new RouteOptions { Name = "slow", Regex = regex, Replacement = replacement, MaxValues = 10 });

        // When the settings are checked
        var started = Stopwatch.StartNew();
        var failure = Assert.Single(WatcherOptionsValidator.Check(options, checkStateDirectory: false));
        output.WriteLine($"{failure} ({started.ElapsedMilliseconds} ms to check)");

        // Then one line names the route, its measured cost and what it would cost the counting
        Assert.Matches(
            "^Watcher:Routes:0:Regex costs up to [0-9.]+ (ms|µs) a line \\(measured at start on 1024-byte paths made to be hard for it\\): counting would fall below 5,000 lines/s, which leaves the routes 150 µs a line; simplify it .*\\(got \"" + System.Text.RegularExpressions.Regex.Escape(regex) + "\"\\)$",
            failure);
    }

    private static readonly RouteOptions[] OrdinaryRoutes =
    [
        new RouteOptions { Name = "health", Pattern = "/healthz" },
        new RouteOptions { Name = "css", Pattern = "/static/*/*.css" },
        new RouteOptions { Name = "assets", Pattern = "/static/**" },
        new RouteOptions { Name = "user", Regex = "^/api/v[0-9]+/users/[0-9]+$", Replacement = "/api/users/:id" },
        new RouteOptions { Name = "api", Regex = "^/api/(?<version>v[0-9]+)/", Replacement = "/api/${version}", MaxValues = 10 },
        new RouteOptions { Name = "slug", Regex = "^/blog/[a-z0-9-]+/?$" },
        new RouteOptions { Name = "anywhere", Regex = "\\.php$" },
        new RouteOptions { Name = "admin", Regex = "^/", Host = "^admin\\." },
        new RouteOptions { Name = "static", Regex = "^/static/.*[.](js|css|png)$" }, // the benchmark's
        new RouteOptions { Name = "users", Regex = "^/users/[0-9]+(/.*)?$", Replacement = "/users/:id" },
        new RouteOptions { Name = "tenant", Regex = "^/t/(?<t>[^/]+)/", Replacement = "${t}", MaxValues = 100 },
    ];

    public static TheoryData<int> OrdinaryRouteIndexes => new(Enumerable.Range(0, OrdinaryRoutes.Length));

    [Theory]
    [MemberData(nameof(OrdinaryRouteIndexes))]
    public void Ordinary_routes_start(int index)
    {
        var route = OrdinaryRoutes[index];
        var (cost, _) = RouteCost.PathCost(route);
        output.WriteLine($"{route.Pattern ?? route.Regex}: {cost.TotalMicroseconds:F1} µs on the hardest 1 KiB paths");
        Assert.Empty(WatcherOptionsValidator.Check(Options(route), checkStateDirectory: false));
    }

    [Fact]
    public void Ordinary_routes_together_start_and_match_as_before()
    {
        // Given a prefix, globs and regexes with replacements, each under its own literal prefix
        var options = Options(OrdinaryRoutes[..6]);

        // Then they start
        Assert.Empty(WatcherOptionsValidator.Check(options, checkStateDirectory: false));

        // And they match as before
        var table = RouteTable.FromOptions(options.Routes);
        Assert.Equal("health", Route(table, "/healthz"));
        Assert.Equal("css", Route(table, "/static/v2/site.css"));
        Assert.Equal("assets", Route(table, "/static/app.js"));
        Assert.Equal("/api/users/:id", Route(table, "/api/v2/users/42"));
        Assert.Equal("/api/v3", Route(table, "/api/v3/orders"));
        Assert.Equal("slug", Route(table, "/blog/hello-world"));
        Assert.Equal("other", Route(table, "/nothing"));
    }

    [Fact]
    public void Routes_that_every_path_reaches_start_with_a_warning_when_they_cost_too_much_together()
    {
        // Given 200 routes without a literal prefix: each is tried on every path, none costs much alone
        var options = Options([.. Enumerable.Range(0, 200).Select(i => new RouteOptions { Name = $"r{i}", Regex = $"x{i}[.]php$" })]);

        // When the settings are checked, then they start
        Assert.Empty(WatcherOptionsValidator.Check(options, checkStateDirectory: false));

        // And one warning line gives their cost together and names the costliest
        string warning = Assert.IsType<string>(RouteCost.Warning(options));
        output.WriteLine(warning);
        Assert.Matches("^Watcher:Routes cost up to [0-9.]+ (ms|µs) a line together on paths that reach 200 of them \\(Watcher:Routes:[0-9]+:Regex [0-9.]+ (ms|µs), .*, \\.\\.\\.; measured at start on 1024-byte paths made to be hard for them\\): on such paths counting falls below 5,000 lines/s", warning);
    }

    [Fact]
    public void Routes_under_distinct_prefixes_give_no_warning()
    {
        Assert.Null(RouteCost.Warning(Options([.. Enumerable.Range(0, 20).Select(i => new RouteOptions { Name = $"r{i}", Regex = $"^/r{i}/[0-9]+$" })])));
    }

    [Fact]
    public void A_path_longer_than_1_KiB_is_matched_on_its_first_1_KiB()
    {
        var table = new RouteTable([new RouteOptions { Name = "long", Regex = "^/l/a+$" }, new RouteOptions { Name = "files", Pattern = "/files" }]);

        // The regex sees the first 1,024 bytes: all a's
        Assert.Equal("long", Route(table, "/l/" + new string('a', 8_000) + "/b"));
        Assert.Equal("long", Route(table, "/l/" + new string('a', RouteTable.MaxPathBytes - 3)));
        Assert.Equal("other", Route(table, "/l/" + new string('a', RouteTable.MaxPathBytes - 5) + "/b"));
        // A prefix is in the first 1 KiB of any path that has it
        Assert.Equal("files", Route(table, "/files/" + new string('x', 8_000)));
    }
}
