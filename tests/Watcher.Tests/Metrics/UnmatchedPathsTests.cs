using System.Text;
using Sidecars.Watcher.Metrics;

namespace Sidecars.Tests.Watcher.Metrics;

public sealed class UnmatchedPathsTests
{
    private static string Shape(string path)
    {
        Span<byte> buffer = stackalloc byte[UnmatchedPaths.MaxPathBytes + 3];
        return Encoding.UTF8.GetString(UnmatchedPaths.Collapse(Encoding.UTF8.GetBytes(path), buffer));
    }

    [Theory]
    [InlineData("/users/123/orders", "/users/{n}/orders")]
    [InlineData("/users/123/orders/9", "/users/{n}/orders/{n}")]
    [InlineData("/", "/")]
    [InlineData("/users//7/", "/users//{n}/")]
    [InlineData("/v2/items", "/v2/items")]
    [InlineData("/file/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/file/{uuid}")]
    [InlineData("/file/3F2504E0-4F89-11D3-9A0C-0305E82C3301/raw", "/file/{uuid}/raw")]
    [InlineData("/blob/9fceb02d0ae598e95dc970b74767f19372d61af8", "/blob/{hex}")]
    [InlineData("/blob/deadbeefdeadbeef", "/blob/deadbeefdeadbeef")]
    [InlineData("/blob/9fceb02d0ae5", "/blob/{hex}")]
    [InlineData("/c/cafe1", "/c/cafe1")]
    [InlineData("/images/3802.png", "/images/{n}.png")]
    [InlineData("/static/app.6f6496.js", "/static/app.{hex}.js")]
    [InlineData("/api/v1.2/x", "/api/v1.{n}/x")]
    [InlineData("/a..b./", "/a..b./")]
    [InlineData("/caf%C3%A9/42", "/caf%C3%A9/{n}")]
    [InlineData("relative/1", "relative/{n}")]
    public void Numbers_and_ids_collapse_to_their_shape(string path, string shape) => Assert.Equal(shape, Shape(path));

    [Fact]
    public void A_long_path_is_cut_at_a_character_boundary_and_marked()
    {
        string shape = Shape("/" + new string('é', 300));
        Assert.EndsWith("...", shape, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(shape), 1, UnmatchedPaths.MaxPathBytes + 3);
        Assert.DoesNotContain('\uFFFD', shape);
        string start = "/" + new string('a', 20) + "/{n}/";
        Assert.Equal(start + new string('b', UnmatchedPaths.MaxPathBytes - start.Length) + "...", Shape("/" + new string('a', 20) + "/1/" + new string('b', 300)));
        Assert.Equal(new string('c', 199) + "/...", Shape(new string('c', 199) + "/123")); // a placeholder whole or not at all
    }

    [Fact]
    public void The_most_frequent_shapes_come_first_with_their_counts()
    {
        var paths = new UnmatchedPaths();
        foreach (string path in new[] { "/a/1", "/b", "/a/2", "/c", "/a/3", "/b", "" })
        {
            paths.Add(Encoding.UTF8.GetBytes(path));
        }
        Assert.Equal([("/a/{n}", 3L), ("/b", 2L), ("/c", 1L)], paths.Top(20));
        Assert.Equal([("/a/{n}", 3L)], paths.Top(1));
        Assert.Equal(6, paths.Lines);
    }

    [Fact]
    public void Memory_is_bounded_and_shapes_beyond_the_cap_are_counted_as_more()
    {
        var paths = new UnmatchedPaths(maxPaths: 3);
        for (int i = 0; i < 10; i++)
        {
            paths.Add(Encoding.UTF8.GetBytes($"/p{i}"));
            paths.Add("/p0"u8);
        }
        Assert.Equal(3, paths.Count);
        Assert.Equal(7, paths.More);
        Assert.Equal(20, paths.Lines);
        Assert.Equal(("/p0", 11L), paths.Top(1)[0]);
    }

    [Fact]
    public void Counting_a_known_shape_allocates_nothing()
    {
        var paths = new UnmatchedPaths();
        byte[] path = "/users/123/orders/456"u8.ToArray();
        paths.Add(path);
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                paths.Add(path);
            }
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
    }

    [Fact]
    public void Beyond_the_first_paths_one_in_32_is_counted_for_32_so_big_logs_stay_cheap()
    {
        // Given far more paths than are counted exactly: three quarters of one shape, a quarter of another
        var paths = new UnmatchedPaths();
        long total = UnmatchedPaths.ExactLines + 400_000;
        for (long i = 0; i < total; i++)
        {
            paths.Add(i % 4 == 3 ? "/b"u8 : "/a/1"u8);
        }

        // Then every path is seen, and the counts are estimates within 3 %
        Assert.Equal(total, paths.Lines);
        Assert.True(paths.Sampled);
        var top = paths.Top(2);
        Assert.Equal(["/a/{n}", "/b"], top.Select(t => t.Path));
        Assert.InRange(top[0].Count, total * 3 / 4 * 0.97, total * 3 / 4 * 1.03);
        Assert.InRange(top[1].Count, total / 4 * 0.97, total / 4 * 1.03);
        Assert.InRange(paths.Counted, total * 0.97, total * 1.03);
    }

    [Fact]
    public void Up_to_the_exact_limit_counts_are_exact()
    {
        var paths = new UnmatchedPaths();
        for (long i = 0; i < UnmatchedPaths.ExactLines; i++)
        {
            paths.Add(i % 10 == 0 ? "/b?q=1"u8 : "/a"u8);
        }
        Assert.False(paths.Sampled);
        Assert.Equal([("/a", UnmatchedPaths.ExactLines * 9 / 10), ("/b", UnmatchedPaths.ExactLines / 10)], paths.Top(20));
    }
}
