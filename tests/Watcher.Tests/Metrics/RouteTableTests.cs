using System.Text;
using Sidecars.Watcher.Metrics;

namespace Sidecars.Tests.Watcher.Metrics;

public sealed class RouteTableTests
{
    private static readonly RouteTable Table = new([
        ("user_edit", "/users/*/edit"),
        ("users", "/users/**"),
        ("api", "/api"),
        ("css", "/static/*.css"),
        ("root", "/"),
    ]);

    private static string Route(string path) => Table.Names[Table.Match(Encoding.UTF8.GetBytes(path))];

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
        var table = new RouteTable([("all", "/**"), ("api", "/api")]);
        Assert.Equal("all", table.Names[table.Match("/api/x"u8)]);
    }

    [Fact]
    public void Query_string_is_ignored_when_matching()
    {
        var table = new RouteTable([("exact", "/search/*")]);
        Assert.Equal("exact", table.Names[table.Match("/search/q?next=/a/b/c"u8)]);
    }

    [Fact]
    public void Unmatched_path_is_other()
    {
        var table = new RouteTable([("api", "/api")]);
        Assert.Equal("other", table.Names[table.Match("/elsewhere"u8)]);
        Assert.Equal("other", table.Names[table.Match(""u8)]);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("/a/**/b")]
    [InlineData("")]
    public void Invalid_patterns_are_reported(string pattern) => Assert.NotNull(RouteTable.PatternProblem(pattern));
}
