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
    public async Task A_slow_rendering_is_shared_ten_times_as_long_as_it_took_so_a_flood_of_scrapes_cannot_spend_the_CPU_on_rendering()
    {
        var time = new FakeTimeProvider();
        var source = new CountingSource { OnRender = () => time.Advance(TimeSpan.FromMilliseconds(20)) };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time);

        (await cache.AcquireAsync(CancellationToken.None)).Release();
        time.Advance(TimeSpan.FromMilliseconds(150)); // 170 ms after the rendering started: within 10 x 20 ms
        (await cache.AcquireAsync(CancellationToken.None)).Release();
        Assert.Equal(1, source.Renderings);

        time.Advance(TimeSpan.FromMilliseconds(40)); // 210 ms
        (await cache.AcquireAsync(CancellationToken.None)).Release();
        Assert.Equal(2, source.Renderings);
    }

    [Fact]
    public void The_gzip_form_is_made_once_and_decompresses_to_exactly_the_text()
    {
        var text = new PooledBuffer();
        string exposition = string.Concat(Enumerable.Range(0, 5000).Select(i => $"metric_total{{label=\"{i}\"}} {i}\n"));
        Encoding.UTF8.GetBytes(exposition, text);
        var rendering = new Rendering(text, 0, ExpositionCache.ShareWindow);

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

        public void WriteTo(IBufferWriter<byte> output)
        {
            OnRender?.Invoke();
            int n = Interlocked.Increment(ref _renderings);
            Encoding.UTF8.GetBytes($"renderings {n}\n", output);
        }
    }
}
