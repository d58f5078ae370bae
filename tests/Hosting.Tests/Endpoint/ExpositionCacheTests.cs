using System.Buffers;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class ExpositionCacheTests
{
    [Fact]
    public async Task Scrapes_within_the_share_window_get_one_rendering_and_a_later_scrape_a_new_one()
    {
        var time = new FakeTimeProvider();
        var source = new CountingSource();
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time);

        var burst = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => cache.AcquireAsync(CancellationToken.None)));
        Assert.Single(burst.Distinct());
        Assert.Equal(1, source.Renderings);
        Assert.Equal("renderings 1\n", Encoding.UTF8.GetString(burst[0].Text.ToArray()));

        time.Advance(ExpositionCache.ShareWindow + TimeSpan.FromMilliseconds(1));
        var later = await cache.AcquireAsync(CancellationToken.None);
        Assert.NotSame(burst[0], later);
        Assert.Equal("renderings 2\n", Encoding.UTF8.GetString(later.Text.ToArray()));

        // The first rendering is still readable by those who hold it, until they release it.
        Assert.Equal("renderings 1\n", Encoding.UTF8.GetString(burst[^1].Text.ToArray()));
        foreach (var rendering in burst)
        {
            rendering.Release();
        }
        Assert.Throws<ObjectDisposedException>(() => burst[0].Text.ToArray());
        later.Release();
    }

    [Fact]
    public async Task A_lone_scraper_polling_back_to_back_sees_each_new_value_while_concurrent_scrapes_share_one_rendering()
    {
        var time = new FakeTimeProvider();
        var source = new CountingSource();
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time);

        // One client, one scrape at a time, 1 ms apart: nobody else is being sent the rendering, so each
        // scrape renders again and shows what was published since (no share window delays a new value).
        for (int i = 1; i <= 3; i++)
        {
            var alone = await cache.AcquireAsync(CancellationToken.None);
            Assert.Equal($"renderings {i}\n", Encoding.UTF8.GetString(alone.Text.ToArray()));
            alone.Release();
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // A scrape still being sent its rendering: others arriving within the share window get that one.
        var held = await cache.AcquireAsync(CancellationToken.None);
        time.Advance(ExpositionCache.ShareWindow - TimeSpan.FromMilliseconds(1));
        var shared = await cache.AcquireAsync(CancellationToken.None);
        Assert.Same(held, shared);
        Assert.Equal(4, source.Renderings);
        shared.Release();
        held.Release();

        // Past the window a new scrape renders again, even while the old rendering is still being sent.
        var stillSending = await cache.AcquireAsync(CancellationToken.None); // alone again: rendering 5
        time.Advance(ExpositionCache.ShareWindow + TimeSpan.FromMilliseconds(1));
        var fresh = await cache.AcquireAsync(CancellationToken.None);
        Assert.NotSame(stillSending, fresh);
        Assert.Equal(6, source.Renderings);
        stillSending.Release();
        fresh.Release();
    }

    [Fact]
    public async Task Rendering_spends_at_most_a_tenth_of_the_time_so_a_flood_of_scrapes_cannot_spend_the_CPU_on_it()
    {
        // Given renderings that each cost 20 ms of CPU, against a budget of 10 ms refilled at a tenth of the time
        var time = new FakeTimeProvider();
        var source = new CountingSource { OnRender = () => time.Advance(TimeSpan.FromMilliseconds(20)) };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time, () => time.GetUtcNow() - DateTimeOffset.UnixEpoch);

        // When a lone client scrapes every 10 ms for 2 s
        for (int i = 0; i < 200; i++)
        {
            (await cache.AcquireAsync(CancellationToken.None)).Release();
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // Then rendering took about a tenth of those seconds: 20 ms per 200 ms or so, plus the first budget
        var elapsed = time.GetUtcNow() - new FakeTimeProvider().GetUtcNow();
        double spent = source.Renderings * 20.0;
        Assert.InRange(spent, 0.09 * elapsed.TotalMilliseconds, 0.11 * elapsed.TotalMilliseconds + ExpositionCache.RenderBudget.TotalMilliseconds + 20);
        Assert.True(source.Renderings >= 10, $"renderings {source.Renderings}: the budget refills");
    }

    [Fact]
    public async Task A_rendering_is_reused_while_no_source_has_new_values_and_made_again_at_once_when_one_has()
    {
        var time = new FakeTimeProvider();
        var source = new CountingSource { Version = 1 };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time);

        // A lone client polling every millisecond while nothing is published: one rendering
        for (int i = 0; i < 4; i++)
        {
            (await cache.AcquireAsync(CancellationToken.None)).Release();
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(1, source.Renderings);

        // A value is published: the very next scrape shows it
        source.Version = 2;
        var next = await cache.AcquireAsync(CancellationToken.None);
        Assert.Equal("renderings 2\n", Encoding.UTF8.GetString(next.Text.ToArray()));
        next.Release();

        // Nothing new, but past the share window: rendered again (the process metrics move on)
        time.Advance(ExpositionCache.ShareWindow + TimeSpan.FromMilliseconds(1));
        (await cache.AcquireAsync(CancellationToken.None)).Release();
        Assert.Equal(3, source.Renderings);
    }

    [Fact]
    public async Task A_rendering_that_waited_for_a_core_is_not_taken_for_a_costly_one()
    {
        // Given a rendering that took 20 ms of wall time but only 0.1 ms of CPU (preempted, or throttled by a CPU limit)
        var time = new FakeTimeProvider();
        var cpu = TimeSpan.Zero;
        var source = new CountingSource
        {
            OnRender = () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(20));
                cpu += TimeSpan.FromMilliseconds(0.1);
            },
        };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time, () => cpu);
        (await cache.AcquireAsync(CancellationToken.None)).Release();

        // When a lone scraper asks again 2 ms after it ended (past 10 x 0.1 ms of CPU, well within 10 x 20 ms)
        time.Advance(TimeSpan.FromMilliseconds(2));
        var next = await cache.AcquireAsync(CancellationToken.None);

        // Then it gets a new rendering: the wait for a core does not hold new values back
        Assert.Equal(2, source.Renderings);
        next.Release();
    }

    [Fact]
    public void The_gzip_form_is_made_once_and_decompresses_to_exactly_the_text()
    {
        var text = new PooledBuffer();
        string exposition = string.Concat(Enumerable.Range(0, 5000).Select(i => $"metric_total{{label=\"{i}\"}} {i}\n"));
        Encoding.UTF8.GetBytes(exposition, text);
        var rendering = new Rendering(text, 0, version: null);

        var gzip = rendering.Gzipped();
        Assert.Same(gzip, rendering.Gzipped());
        using var unzip = new GZipStream(new MemoryStream(gzip.ToArray()), CompressionMode.Decompress);
        Assert.Equal(exposition, new StreamReader(unzip).ReadToEnd());
        Assert.True(text.Length > PooledBuffer.ChunkSize * 3, "the text spans several pooled chunks");
        rendering.Release();
    }

    private sealed class CountingSource : IMetricsSource
    {
        private int _renderings;

        public int Renderings => _renderings;

        public Action? OnRender { get; init; }

        public long Version { get; set; } = IMetricsSource.Changing;

        public void WriteTo(IBufferWriter<byte> output)
        {
            OnRender?.Invoke();
            int n = Interlocked.Increment(ref _renderings);
            Encoding.UTF8.GetBytes($"renderings {n}\n", output);
        }
    }
}
