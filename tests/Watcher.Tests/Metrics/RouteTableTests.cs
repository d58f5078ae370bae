using System.Diagnostics;
using System.Text;
using CsCheck;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Xunit.Abstractions;

namespace Sidecars.Tests.Watcher.Metrics;

public sealed class RouteTableTests(ITestOutputHelper output)
{
    private static readonly RouteTable Table = new([
        Glob("user_edit", "/users/*/edit"),
        Glob("users", "/users/**"),
        Glob("api", "/api"),
        Glob("css", "/static/*.css"),
        Glob("root", "/"),
    ]);

    private static RouteOptions Glob(string name, string pattern) => new() { Name = name, Pattern = pattern };

    private static RouteOptions Rx(string name, string regex, string? replacement = null, string? host = null, int maxValues = RouteTable.DefaultMaxValues) =>
        new() { Name = name, Regex = regex, Replacement = replacement, Host = host, MaxValues = maxValues };

    private static string Route(RouteTable table, string path, string host = "") =>
        table.ValueName(table.Match(Encoding.UTF8.GetBytes(path), Encoding.UTF8.GetBytes(host)));

    private static string Route(string path) => Route(Table, path);

    [Theory]
    [InlineData("/api", "api")]
    [InlineData("/api/items", "api")]
    [InlineData("/api/items/7?x=1", "api")]
    [InlineData("/apix", "root")]
    public void Prefix_matches_at_a_segment_boundary(string path, string route) => Assert.Equal(route, Route(path));

    [Theory]
    [InlineData("/users/42/edit", "user_edit")]
    [InlineData("/users/42/edit?tab=2", "user_edit")]
    [InlineData("/users/42/view", "users")]
    [InlineData("/users/", "users")]
    [InlineData("/static/app.css", "css")]
    [InlineData("/static/css/app.css", "root")]
    public void Star_matches_one_segment_and_double_star_the_rest(string path, string route) => Assert.Equal(route, Route(path));

    [Fact]
    public void First_matching_route_wins_in_configured_order()
    {
        var table = new RouteTable([Glob("all", "/**"), Glob("api", "/api")]);
        Assert.Equal("all", Route(table, "/api/x"));
    }

    [Theory]
    [InlineData("/api/v1/health", "health")]
    [InlineData("/api/v2/users/7", "/api/users/:id")]
    [InlineData("/api/v2/users", "api")]
    [InlineData("/apiary", "other")]
    public void First_match_wins_across_prefix_regex_and_glob(string path, string route)
    {
        var table = new RouteTable([
            Glob("health", "/api/v1/health"),
            Rx("user", "^/api/v[0-9]+/users/[0-9]+$", "/api/users/:id"),
            Glob("api", "/api/**"),
        ]);
        Assert.Equal(route, Route(table, path));
    }

    [Fact]
    public void A_route_listed_earlier_shadows_a_regex_listed_later_and_the_other_way_round()
    {
        var globFirst = new RouteTable([Glob("api", "/api/**"), Rx("user", "^/api/users/[0-9]+$")]);
        var regexFirst = new RouteTable([Rx("user", "^/api/users/[0-9]+$"), Glob("api", "/api/**")]);
        Assert.Equal("api", Route(globFirst, "/api/users/7"));
        Assert.Equal("user", Route(regexFirst, "/api/users/7"));
    }

    [Fact]
    public void Query_string_is_ignored_when_matching()
    {
        var table = new RouteTable([Glob("exact", "/search/*"), Rx("find", "^/find$"), Rx("anchor", "^/a$")]);
        Assert.Equal("exact", Route(table, "/search/q?next=/a/b/c"));
        Assert.Equal("find", Route(table, "/find?q=/x/y"));
        Assert.Equal("anchor", Route(table, "/a#top"));
    }

    [Fact]
    public void Unmatched_path_is_other_with_id_0()
    {
        var table = new RouteTable([Glob("api", "/api"), Rx("users", "^/users/")]);
        Assert.Equal(LabelValues.OtherId, table.Match("/elsewhere"u8, default));
        Assert.Equal("other", Route(table, "/elsewhere"));
        Assert.Equal("other", Route(table, ""));
    }

    [Fact]
    public void Without_routes_every_request_is_other_and_the_table_is_disabled()
    {
        var table = new RouteTable([]);
        Assert.False(table.Enabled);
        Assert.Equal(0, table.Match("/anything"u8, "example.com"u8));
        Assert.Equal(1, table.ValueCapacity);
        Assert.Equal(0, table.Intern("api"));
    }

    [Theory]
    [InlineData("/x", "admin.example.com", "admin")]
    [InlineData("/api/items", "api.example.com", "api_host")]
    [InlineData("/api/items", "www.example.com", "api")]
    [InlineData("/x", "www.example.com", "other")]
    [InlineData("/x", "", "other")]
    public void Host_must_match_too_when_a_route_names_one(string path, string host, string route)
    {
        var table = new RouteTable([
            Rx("admin", "^/", host: @"^admin\."),
            new RouteOptions { Name = "api_host", Pattern = "/api/**", Host = @"^api\.example\.com$" },
            Glob("api", "/api/**"),
        ]);
        Assert.Equal(route, Route(table, path, host));
    }

    [Theory]
    [InlineData("/api/v1/users/7", "/api/v1/users")]
    [InlineData("/api/v2/orders/7/items", "/api/v2/orders")]
    [InlineData("/api/v2/", "api")]
    public void Replacement_takes_named_and_numbered_groups(string path, string route)
    {
        var table = new RouteTable([
            // As in .NET, unnamed groups are numbered first: $1 is ([a-z]+), and version is $2.
            Rx("versioned", "^/api/(?<version>v[0-9]+)/([a-z]+)", "/api/${version}/$1"),
            Glob("api", "/api/**"),
        ]);
        Assert.Equal(route, Route(table, path));
    }

    [Fact]
    public void A_constant_replacement_is_the_routes_one_value_and_dollar_dollar_is_a_dollar()
    {
        var table = new RouteTable([Rx("user", "^/users/[0-9]+$", "/users/:id"), Rx("price", "^/price$", "$$price")]);
        Assert.Equal("/users/:id", Route(table, "/users/42"));
        Assert.Equal("$price", Route(table, "/price"));
        // The constants are values from the start: other, then each route's value in route order.
        Assert.Equal(3, table.ValueCount);
        Assert.Equal(["other", "/users/:id", "$price"], Enumerable.Range(0, table.ValueCount).Select(table.ValueName));
    }

    [Fact]
    public void An_expanding_route_has_at_most_MaxValues_values_and_the_rest_count_under_its_name()
    {
        // Given a route that makes a value of each tenant, capped at 3
        var table = new RouteTable([Rx("tenant", "^/t/(?<t>[a-z0-9]+)", "tenant_${t}", maxValues: 3), Glob("static", "/static")]);
        Assert.Equal(1 + 2 + 3, table.ValueCapacity); // other, tenant, static, and 3 tenant values

        // When 5 tenants come, and the first again
        string[] routes = [.. new[] { "a", "b", "c", "d", "e", "a" }.Select(t => Route(table, $"/t/{t}/x"))];

        // Then the first 3 have their own value, the others count under the route's name
        Assert.Equal(["tenant_a", "tenant_b", "tenant_c", "tenant", "tenant", "tenant_a"], routes);
        Assert.Equal(2, table.ValuesOverflowed);
        Assert.Equal(table.ValueCapacity, table.ValueCount);
    }

    [Fact]
    public void Two_expanding_routes_each_have_their_own_cap_and_may_share_a_value()
    {
        var table = new RouteTable([
            Rx("a", "^/a/(?<x>[0-9]+)", "n${x}", maxValues: 1),
            Rx("b", "^/b/(?<x>[0-9]+)", "n${x}", maxValues: 2),
        ]);
        Assert.Equal("n1", Route(table, "/a/1"));
        Assert.Equal("a", Route(table, "/a/2"));
        Assert.Equal("n2", Route(table, "/b/2"));
        Assert.Equal("n1", Route(table, "/b/1"));
        Assert.Equal("b", Route(table, "/b/3"));
        Assert.Equal("n1", Route(table, "/a/1"));
    }

    [Fact]
    public void An_empty_or_too_long_expansion_counts_under_the_routes_name()
    {
        var table = new RouteTable([Rx("any", "^/(?<rest>.*)$", "${rest}")]);
        Assert.Equal("any", Route(table, "/"));
        Assert.Equal("any", Route(table, "/" + new string('x', LabelValues.MaxValueBytes + 1)));
        Assert.Equal("any", Route(table, "/" + new string('é', LabelValues.MaxValueBytes / 2 + 1))); // short in chars, long in bytes
        Assert.Equal("ok", Route(table, "/ok"));
    }

    [Fact]
    public void Long_paths_and_invalid_UTF8_are_matched_without_failing()
    {
        var table = new RouteTable([Rx("long", "^/l/a+$"), Rx("bad", "^/b/\uFFFD$")]);
        Assert.Equal("long", Route(table, "/l/" + new string('a', 10_000)));
        Assert.Equal("bad", table.ValueName(table.Match([.. "/b/"u8, 0xFF], default)));
    }

    [Theory]
    [InlineData("^/(a+)+$")]
    [InlineData("^/(a|aa)*b$")]
    [InlineData("(.*a){12}x")]
    [InlineData("^/(\\w+\\s?)*$")]
    public void A_hostile_path_against_an_evil_looking_regex_finishes_fast(string regex)
    {
        // Catastrophic backtracking in a backtracking engine; linear in NonBacktracking (and routes see 1 KiB at most).
        var table = new RouteTable([Rx("evil", regex)]);
        byte[] path = [.. "/"u8, .. Enumerable.Repeat((byte)'a', RouteTable.MaxPathBytes - 2), (byte)'!'];

        var stopwatch = Stopwatch.StartNew();
        int id = table.Match(path, default);
        stopwatch.Stop();

        output.WriteLine($"{regex}: {stopwatch.Elapsed.TotalMilliseconds:F1} ms for 1 KiB");
        Assert.Equal("other", table.ValueName(id));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2)); // ~20 ms; a 2-core machine under load
    }

    [Fact]
    public void A_glob_with_many_stars_is_matched_in_time_linear_in_the_path()
    {
        // Given a glob whose stars could each take any length (trying them in turn took 8 s for 400 bytes)
        var glob = new PathPattern("/*a*a*a*a*b"u8.ToArray());
        byte[] path = [(byte)'/', .. Enumerable.Repeat((byte)'a', 8_000)];

        // When a long path of a's is matched, then it is done at once
        var started = Stopwatch.StartNew();
        Assert.False(glob.Matches(path));
        Assert.True(glob.Matches([.. path, (byte)'b']));
        output.WriteLine($"{started.Elapsed.TotalMilliseconds:F1} ms for two 8 KB paths");
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2)); // ~1 ms; a 2-core machine under load
    }

    [Fact]
    public void Globs_match_as_trying_each_length_of_each_star_in_turn_does()
    {
        // The glob's meaning, spelled out the slow way: the oracle
        static bool Slow(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> path)
        {
            if (pattern.StartsWith("**"u8))
            {
                return true;
            }
            if (pattern.IsEmpty)
            {
                return path.IsEmpty;
            }
            if (pattern[0] == '*')
            {
                for (int i = 0; ; i++)
                {
                    if (Slow(pattern[1..], path[i..]))
                    {
                        return true;
                    }
                    if (i == path.Length || path[i] == '/')
                    {
                        return false;
                    }
                }
            }
            return !path.IsEmpty && path[0] == pattern[0] && Slow(pattern[1..], path[1..]);
        }

        var patternBytes = Gen.OneOf((byte)'a', (byte)'b', (byte)'/', (byte)'*');
        var pathBytes = Gen.OneOf((byte)'a', (byte)'b', (byte)'/');
        Gen.Select(patternBytes.Array[0, 8], Gen.Bool, pathBytes.Array[0, 12]).Sample((body, rest, path) =>
        {
            byte[] pattern = [(byte)'/', .. body, .. rest ? "/**"u8.ToArray() : []];
            if (!pattern.Contains((byte)'*') || PathPattern.Problem(Encoding.UTF8.GetString(pattern)) is not null)
            {
                return true; // a prefix, not a glob; or refused at start
            }
            bool expected = Slow(pattern, [(byte)'/', .. path]);
            return new PathPattern(pattern).Matches([(byte)'/', .. path]) == expected;
        }, iter: 20_000);
    }

    [Fact]
    public void Matching_allocates_nothing_when_no_route_matches_or_a_route_has_one_value()
    {
        // Given one route of each form, a host route and an expanding route, warmed up
        var table = new RouteTable([
            Glob("health", "/healthz"),
            Rx("user", "^/users/[0-9]+$", "/users/:id"),
            Rx("orders", "^/orders/[0-9]+$"),
            Rx("admin", "^/", host: @"^admin\."),
            Rx("api", "^/api/(?<v>v[0-9]+)/", "/api/${v}"),
            Glob("static", "/static/*.css"),
        ]);
        byte[] host = "www.example.com"u8.ToArray();
        byte[] admin = "admin.example.com"u8.ToArray();
        byte[] unmatched = "/nothing/here/at/all?q=1"u8.ToArray();
        byte[] longUnmatched = [.. "/"u8, .. Enumerable.Repeat((byte)'x', 2000)];
        byte[][] constant = [[.. "/healthz"u8], [.. "/users/42"u8], [.. "/orders/7?x=1"u8], [.. "/static/site.css"u8]];
        byte[] expanding = "/api/v2/things"u8.ToArray();

        // When each is matched many times, then nothing is allocated (the least of a few tries, so a JIT tier-up does not count)
        Assert.Equal(0, Allocated(() => table.Match(unmatched, host)));
        Assert.Equal(0, Allocated(() => table.Match(longUnmatched, host)));
        Assert.Equal(0, Allocated(() => table.Match(unmatched, admin)));
        foreach (byte[] path in constant)
        {
            Assert.Equal(0, Allocated(() => table.Match(path, host)));
        }
        // A replacement with groups allocates (the path as a string and the match) only for a path not remembered.
        Assert.Equal(0, Allocated(() => table.Match(expanding, host)));
        var plain = new RouteTable([Rx("api", "^/api/(?<v>v[0-9]+)/", "/api/${v}")], remember: false);
        long perExpansion = Allocated(() => plain.Match(expanding, host));
        output.WriteLine($"an expanding match not remembered allocates {perExpansion} bytes");
        Assert.InRange(perExpansion, 1, 2048);
    }

    // The bytes one call allocates: the least over a few runs of 1,000 calls.
    private static long Allocated(Func<int> call)
    {
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            call();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                call();
            }
            least = Math.Min(least, (GC.GetAllocatedBytesForCurrentThread() - before) / 1000);
        }
        return least;
    }

    [Fact]
    public void Intern_restores_a_saved_value_while_there_is_room()
    {
        var table = new RouteTable([Glob("api", "/api"), Rx("tenant", "^/t/(?<t>[a-z]+)", "t_${t}", maxValues: 2)]);
        int api = table.Intern("api");
        Assert.Equal("api", table.ValueName(api));
        Assert.Equal(api, table.Match("/api"u8, default));
        Assert.Equal(0, table.Intern("other"));

        // Saved values of the expanding route take its room, and the route finds them again
        int saved = table.Intern("t_a");
        Assert.Equal(saved, table.Match("/t/a"u8, default));
        Assert.Equal("t_b", Route(table, "/t/b"));
        Assert.Equal(0, table.Intern("t_zzz")); // no room left
        Assert.Equal(0, table.Intern(new string('x', LabelValues.MaxValueBytes + 1)));
    }

    [Fact]
    public void Remembered_paths_get_what_the_routes_would_give_them_caps_overflows_and_unmatched_paths_included()
    {
        // Paths from a small pool, so most repeat; an expanding route with a cap of 3, a host route, a glob, and
        // paths nothing matches, some longer than what is remembered
        string[] paths = ["/t/a/x", "/t/b", "/t/c/y", "/t/d", "/t/e?q=1", "/admin/x", "/static/a.css", "/nothing", "/t/" + new string('f', 300), "/t/f"];
        string[] hosts = ["", "admin.example", "www.example"];
        Gen.Select(Gen.Int[0, paths.Length - 1], Gen.Int[0, hosts.Length - 1]).Array[1, 200].Sample(requests =>
        {
            RouteTable New(bool remember, List<string> unmatched) => new([
                Rx("admin", "^/admin/", host: "^admin[.]"),
                Rx("tenant", "^/t/(?<t>[a-z]+)", "tenant_${t}", maxValues: 3),
                Glob("static", "/static/*.css"),
            ], remember) { OnUnmatched = p => unmatched.Add(Encoding.UTF8.GetString(p)) };
            List<string> unmatchedRemembering = [], unmatchedPlain = [];
            var remembering = New(remember: true, unmatchedRemembering);
            var plain = New(remember: false, unmatchedPlain);
            foreach (var (p, h) in requests)
            {
                Assert.Equal(Route(plain, paths[p], hosts[h]), Route(remembering, paths[p], hosts[h]));
            }
            Assert.Equal(plain.ValuesOverflowed, remembering.ValuesOverflowed);
            Assert.Equal(unmatchedPlain, unmatchedRemembering);
        }, iter: 300);
    }

    [Fact]
    public void Unmatched_paths_are_counted_without_their_query_only_when_asked()
    {
        var unmatched = new UnmatchedPaths();
        var table = new RouteTable([Glob("api", "/api")]) { OnUnmatched = unmatched.Add };
        table.Match("/api/x"u8, default);
        table.Match("/users/1?a=b"u8, default);
        table.Match("/users/2"u8, default);
        Assert.Equal([("/users/{n}", 2L)], unmatched.Top(20));

        var all = new UnmatchedPaths();
        var noRoutes = new RouteTable([]) { OnUnmatched = all.Add };
        noRoutes.Match("/a"u8, default);
        noRoutes.Match("/a?b=/c"u8, default);
        Assert.Equal([("/a", 2L)], all.Top(20));
    }

    [Theory]
    [InlineData("^/api/users/[0-9]+$", "/api/users/")]
    [InlineData("^/apis?/", "/api")]
    [InlineData("^/ap{2}", "/a")]
    [InlineData("^/a+", "/")]
    [InlineData("^/a|^/b", "")]
    [InlineData("^/a/(x|y)|/b", "")]
    [InlineData("^/(a|b)/c", "/")]
    [InlineData("^/x[|]y", "/x")]
    [InlineData("^/x[]|]y", "/x")]
    [InlineData("^/x\\|y", "/x")]
    [InlineData("/api", "")]
    [InlineData("(?i)^/api", "")]
    [InlineData("^(?i)/api", "")]
    [InlineData("^api\\.example", "api")]
    [InlineData("^/café/x", "/café/x")]
    [InlineData("^/b/\uFFFD", "/b/")]
    public void A_regex_anchored_at_the_start_has_the_literal_prefix_every_match_starts_with(string pattern, string prefix) =>
        Assert.Equal(prefix, RouteRegex.LiteralPrefix(pattern));

    [Fact]
    public void Ruling_out_paths_by_the_literal_prefix_changes_no_result()
    {
        string[] patterns = ["^/api/users/[0-9]+$", "^/apis?/x", "^/ap{2}", "^/a|^/b", "^/x[|]y", "^/x\\|y", "^/(a|b)/c", "^/é+", "^$", "^/$"];
        string[] paths = ["/api/users/7", "/apis/x", "/api/x", "/app", "/ap", "/a", "/b", "/x|y", "/x", "/a/c", "/é", "/éé", "", "/", "/ap/users"];
        foreach (string pattern in patterns)
        {
            var table = new RouteTable([Rx("r", pattern)]);
            var plain = new System.Text.RegularExpressions.Regex(pattern, RouteRegex.Options);
            foreach (string path in paths)
            {
                Assert.True(plain.IsMatch(path) == (Route(table, path) == "r"), $"{pattern} on {path}");
            }
        }
    }

    [Theory]
    [InlineData("api")]
    [InlineData("/a/**/b")]
    [InlineData("")]
    public void Invalid_patterns_are_reported(string pattern) => Assert.NotNull(RouteTable.PatternProblem(pattern));

    private static readonly (RouteOptions Route, string Expected)[] BadRouteCases =
    [
        (new() { Name = "a", Pattern = "/a", Regex = "^/a" }, "Watcher:Routes:0 has both a Pattern and a Regex: give one"),
        (new() { Name = "a" }, "Watcher:Routes:0 needs a Pattern (a path prefix or glob) or a Regex"),
        (Rx("a", "^/users/([0-9]+$"), "Watcher:Routes:0:Regex is not a valid regular expression: Not enough )'s at position 16 (got \"^/users/([0-9]+$\")"),
        (Rx("a", "^/a["), "Watcher:Routes:0:Regex is not a valid regular expression: Unterminated [] set at position 4 (got \"^/a[\")"),
        (Rx("a", "^/(?!health)"), "Watcher:Routes:0:Regex uses negative lookahead (?! pattern) or negative lookbehind (?<! pattern), which linear-time matching cannot do (got \"^/(?!health)\")"),
        (Rx("a", "^/(?<x>a)\\k<x>"), "Watcher:Routes:0:Regex uses backreference (\\ number), which linear-time matching cannot do (got \"^/(?<x>a)\\k<x>\")"),
        (Rx("a", "^/api/(?<version>v[0-9]+)", "/api/${ver}"), "Watcher:Routes:0:Replacement names the group \"ver\", which the Regex does not have (its groups: version) (got \"/api/${ver}\")"),
        (Rx("a", "^/api", "$1"), "Watcher:Routes:0:Replacement names the group \"1\", which the Regex does not have (it has no groups) (got \"$1\")"),
        (Rx("a", "^/api/(v1)", "/api/$&"), "Watcher:Routes:0:Replacement may refer to groups only as ${name} or $number, and needs $$ for a $ (at position 5) (got \"/api/$&\")"),
        (Rx("a", "^/api/(v1)", "/api/${1"), "Watcher:Routes:0:Replacement may refer to groups only as ${name} or $number, and needs $$ for a $ (at position 5) (got \"/api/${1\")"),
        (Rx("a", "^/", new string('x', 300)), $"Watcher:Routes:0:Replacement is longer than 256 bytes: it is a label value (got \"{new string('x', 300)}\")"),
        (new() { Name = "a", Pattern = "/a", Replacement = "x" }, "Watcher:Routes:0:Replacement needs a Regex (got \"x\")"),
        (Rx("a", "^/", host: "(api"), "Watcher:Routes:0:Host is not a valid regular expression: Not enough )'s at position 4 (got \"(api\")"),
        (Rx("a", "^/(?<x>a)", "${x}", maxValues: 0), "Watcher:Routes:0:MaxValues must be between 1 and 500 (got 0)"),
    ];

    public static TheoryData<int> BadRoutes => new(Enumerable.Range(0, BadRouteCases.Length));

    [Theory]
    [MemberData(nameof(BadRoutes))]
    public void A_bad_route_is_one_clear_line(int index)
    {
        var (route, expected) = BadRouteCases[index];
        var options = new WatcherOptions { Path = "/tmp/access.log", Format = "$host \"$request\" $status", Routes = [route] };
        Assert.Equal([expected], WatcherOptionsValidator.Check(options, checkStateDirectory: false));
    }

    [Fact]
    public void A_route_on_the_host_needs_host_in_the_format()
    {
        var options = new WatcherOptions { Path = "/tmp/access.log", Routes = [Rx("a", "^/", host: @"^api\.")] };
        Assert.Equal(
            ["Watcher:Routes:0:Host needs $host in the log format, which has none (got \"^api\\.\")"],
            WatcherOptionsValidator.Check(options, checkStateDirectory: false));
    }

    [Fact]
    public void The_route_values_in_all_are_capped()
    {
        var options = new WatcherOptions
        {
            Path = "/tmp/access.log",
            Routes = [Rx("a", "^/a/(?<x>.+)", "${x}", maxValues: 300), Rx("b", "^/b/(?<x>.+)", "${x}", maxValues: 300), Glob("c", "/c")],
        };
        Assert.Equal(
            ["Watcher:Routes can give at most 500 route values in all, each route's Name or constant Replacement counting one and each Replacement with groups its MaxValues, not its Name (got 601); lower MaxValues"],
            WatcherOptionsValidator.Check(options, checkStateDirectory: false));
    }

    [Fact]
    public void A_route_with_MaxValues_500_alone_starts_and_has_500_values_from_the_path()
    {
        // Given the largest MaxValues the README promises, on a route alone
        var options = new WatcherOptions { Path = "/tmp/access.log", Routes = [Rx("tenant", "^/t/(?<t>[0-9]+)/", "t${t}", maxValues: 500)] };

        // Then it starts (its name, where values beyond go, counts no more than other does)
        Assert.Empty(WatcherOptionsValidator.Check(options, checkStateDirectory: false));

        // And it gives 500 values from the path, then its name
        var table = RouteTable.FromOptions(options.Routes);
        string[] values = [.. Enumerable.Range(0, 501).Select(i => Route(table, $"/t/{i}/"))];
        Assert.Equal([.. Enumerable.Range(0, 500).Select(i => $"t{i}"), "tenant"], values);
    }

    [Fact]
    public void Beside_a_route_with_MaxValues_500_another_route_is_one_value_too_many()
    {
        var options = new WatcherOptions { Path = "/tmp/access.log", Routes = [Rx("tenant", "^/t/(?<t>[0-9]+)/", "t${t}", maxValues: 500), Glob("health", "/healthz")] };
        Assert.Equal(
            ["Watcher:Routes can give at most 500 route values in all, each route's Name or constant Replacement counting one and each Replacement with groups its MaxValues, not its Name (got 501); lower MaxValues"],
            WatcherOptionsValidator.Check(options, checkStateDirectory: false));
    }

    [Fact]
    public void Good_routes_of_every_form_pass()
    {
        var options = new WatcherOptions
        {
            Path = "/tmp/access.log",
            Format = "$host \"$request\" $status",
            Routes = [Glob("health", "/healthz"), Rx("user", "^/users/[0-9]+$", "/users/:id"), Rx("api", "^/api/(?<v>v[0-9]+)/", "/api/${v}", host: @"^api\."), Glob("all", "/**")],
        };
        Assert.Empty(WatcherOptionsValidator.Check(options, checkStateDirectory: false));
    }
}
