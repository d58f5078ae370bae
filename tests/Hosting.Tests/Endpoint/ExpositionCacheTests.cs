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
    public async Task Scrapes_marked_together_share_one_rendering_and_a_scrape_marked_later_gets_a_new_one()
    {
        var time = new FakeTimeProvider();
        var source = new CountingSource();
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time);

        var mark = cache.Mark();
        var burst = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => cache.AcquireAsync(mark, CancellationToken.None)));
        Assert.Single(burst.Distinct());
        Assert.Equal(1, source.Renderings);
        Assert.Equal("renderings 1\n", Encoding.UTF8.GetString(burst[0].Body.ToArray()));

        // A source that cannot tell whether it changed: a scrape marked after the rendering started needs a new one
        var later = await cache.AcquireAsync(cache.Mark(), CancellationToken.None);
        Assert.NotSame(burst[0], later);
        Assert.Equal("renderings 2\n", Encoding.UTF8.GetString(later.Body.ToArray()));

        // The first rendering is still readable by those who hold it, until they release it.
        Assert.Equal("renderings 1\n", Encoding.UTF8.GetString(burst[^1].Body.ToArray()));
        foreach (var rendering in burst)
        {
            rendering.Release();
        }
        Assert.Throws<ObjectDisposedException>(() => burst[0].Body.ToArray());
        later.Release();
    }

    [Fact]
    public async Task A_rendering_under_way_when_a_scrape_marked_is_not_served_to_it_once_a_source_published_since()
    {
        // Given a rendering that is under way (blocked in the middle of the source's values)
        var time = new FakeTimeProvider();
        using var inRendering = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var source = new CountingSource { Version = 1 };
        source.OnRender = () =>
        {
            if (source.Renderings == 0)
            {
                inRendering.Release();
                release.Wait();
            }
        };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time);
        var first = Task.Run(() => cache.AcquireAsync(cache.Mark(), CancellationToken.None));
        Assert.True(await inRendering.WaitAsync(TimeSpan.FromSeconds(10)));

        // When the source publishes (a scrape's catch-up ended) and that scrape marks while the rendering is still under way
        source.Version = 2;
        var wanted = cache.Mark();
        var second = Task.Run(() => cache.AcquireAsync(wanted, CancellationToken.None));
        release.Release();

        // Then the first scrape gets the rendering under way, the second a rendering that started after its mark
        var a = await first;
        var b = await second;
        Assert.Equal("renderings 1\n", Encoding.UTF8.GetString(a.Body.ToArray()));
        Assert.Equal("renderings 2\n", Encoding.UTF8.GetString(b.Body.ToArray()));
        a.Release();
        b.Release();
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
            (await cache.AcquireAsync(cache.Mark(), CancellationToken.None)).Release();
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(1, source.Renderings);

        // A value is published: the very next scrape shows it
        source.Version = 2;
        var next = await cache.AcquireAsync(cache.Mark(), CancellationToken.None);
        Assert.Equal("renderings 2\n", Encoding.UTF8.GetString(next.Body.ToArray()));
        next.Release();

        // Nothing new, but past the share window: rendered again (the process metrics move on)
        time.Advance(ExpositionCache.ShareWindow + TimeSpan.FromMilliseconds(1));
        (await cache.AcquireAsync(cache.Mark(), CancellationToken.None)).Release();
        Assert.Equal(3, source.Renderings);
    }

    [Fact]
    public async Task Rendering_spends_at_most_a_tenth_of_the_time_by_slowing_a_flood_down_never_by_serving_older_values()
    {
        // Given renderings that each cost 20 ms of CPU, against a budget of 10 ms refilled at a tenth of the time,
        // and a source that publishes before every scrape (as the watcher's catch-up does under traffic)
        var time = new FakeTimeProvider();
        var source = new CountingSource { Version = 0, OnRender = () => time.Advance(TimeSpan.FromMilliseconds(20)) };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time, () => time.GetUtcNow() - DateTimeOffset.UnixEpoch);
        var started = time.GetUtcNow();

        // When a lone client scrapes back to back 40 times
        var waits = new List<TimeSpan>();
        for (int i = 1; i <= 40; i++)
        {
            source.Version = i;
            var wanted = cache.Mark();
            var before = time.GetUtcNow();
            var rendering = await AdvancingUntilDone(time, cache.AcquireAsync(wanted, CancellationToken.None));

            // Then every scrape is shown what was published before it
            Assert.Equal($"renderings {i}\n", Encoding.UTF8.GetString(rendering.Body.ToArray()));
            rendering.Release();
            waits.Add(time.GetUtcNow() - before);
        }

        // And rendering took about a tenth of the time: the scrapes waited for the budget instead
        double elapsed = (time.GetUtcNow() - started).TotalMilliseconds;
        double spent = source.Renderings * 20.0;
        Assert.InRange(spent, 0.09 * elapsed, 0.11 * elapsed + ExpositionCache.RenderBudget.TotalMilliseconds + 20);
        Assert.All(waits.Skip(2), w => Assert.InRange(w.TotalMilliseconds, 150, ExpositionCache.MaxBudgetWait.TotalMilliseconds + 21));
    }

    [Fact]
    public async Task A_scrape_waits_for_the_budget_at_most_a_second_then_renders_anyway()
    {
        // Given a rendering so costly (3 s of CPU) that the budget needs 30 s to refill
        var time = new FakeTimeProvider();
        var source = new CountingSource { Version = 0, OnRender = () => time.Advance(TimeSpan.FromSeconds(3)) };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time, () => time.GetUtcNow() - DateTimeOffset.UnixEpoch);
        (await cache.AcquireAsync(cache.Mark(), CancellationToken.None)).Release();

        // When a scrape needs a new rendering
        source.Version = 1;
        var before = time.GetUtcNow();
        var next = await AdvancingUntilDone(time, cache.AcquireAsync(cache.Mark(), CancellationToken.None));

        // Then it waited about a second, not 30, and got the new values
        Assert.InRange((time.GetUtcNow() - before).TotalSeconds, 1.0, 4.1);
        Assert.Equal("renderings 2\n", Encoding.UTF8.GetString(next.Body.ToArray()));
        next.Release();
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
        (await cache.AcquireAsync(cache.Mark(), CancellationToken.None)).Release();

        // When a lone scraper asks again 2 ms after it ended (past 10 x 0.1 ms of CPU, well within 10 x 20 ms)
        time.Advance(TimeSpan.FromMilliseconds(2));
        var before = time.GetUtcNow();
        var next = await cache.AcquireAsync(cache.Mark(), CancellationToken.None);

        // Then it gets a new rendering without waiting: the wait for a core does not hold new values back
        Assert.Equal(2, source.Renderings);
        Assert.Equal(TimeSpan.FromMilliseconds(20), time.GetUtcNow() - before);
        next.Release();
    }

    [Fact]
    public async Task Each_format_has_its_own_shared_rendering_made_only_when_a_scraper_asks_for_that_format()
    {
        var time = new FakeTimeProvider();
        var source = new CountingSource { Version = 1 };
        using var cache = new ExpositionCache(Metrics.NewCustomRegistry(), [source], time);

        // Text scrapes alone render no protobuf.
        var mark = cache.Mark();
        var texts = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => cache.AcquireAsync(MetricsFormat.Text, mark, CancellationToken.None)));
        Assert.Equal((1, 0), (source.Renderings, source.ProtobufRenderings));

        // A burst of protobuf scrapes shares one protobuf rendering, and the text one stays current beside it.
        var protobufs = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => cache.AcquireAsync(MetricsFormat.Protobuf, mark, CancellationToken.None)));
        Assert.Single(protobufs.Distinct());
        Assert.Equal((2, 1), (source.Renderings, source.ProtobufRenderings));
        Assert.Equal(MetricsFormat.Protobuf, protobufs[0].Format);
        var family = Assert.Single(Sidecars.Testing.ProtobufSamples.Decode(protobufs[0].Body.ToArray()));
        Assert.Equal(("renderings", 2.0), (family.Name, family.Metric[0].Untyped.Value));
        var textAgain = await cache.AcquireAsync(MetricsFormat.Text, cache.Mark(), CancellationToken.None);
        Assert.Same(texts[0], textAgain);
        Assert.Equal(MetricsFormat.Text, textAgain.Format);
        Assert.Equal(2, source.Renderings);

        foreach (var rendering in texts.Concat(protobufs).Append(textAgain))
        {
            rendering.Release();
        }
    }

    /// <summary>Moves the fake clock on, a millisecond at a time, until <paramref name="task"/> is done (the budget's waits are on that clock).</summary>
    private static async Task<T> AdvancingUntilDone<T>(FakeTimeProvider time, Task<T> task)
    {
        for (int step = 0; !task.IsCompleted && step < 100_000; step++)
        {
            await Task.Yield();
            if (!task.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }
        return await task;
    }

    [Fact]
    public void The_gzip_form_is_made_once_and_decompresses_to_exactly_the_text()
    {
        var text = new PooledBuffer();
        string exposition = string.Concat(Enumerable.Range(0, 5000).Select(i => $"metric_total{{label=\"{i}\"}} {i}\n"));
        Encoding.UTF8.GetBytes(exposition, text);
        var rendering = new Rendering(text, 0, version: null, sequence: 1);

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

        public int ProtobufRenderings { get; private set; }

        public Action? OnRender { get; set; }

        public long Version { get; set; } = IMetricsSource.Changing;

        public void WriteTo(IBufferWriter<byte> output)
        {
            OnRender?.Invoke();
            int n = Interlocked.Increment(ref _renderings);
            Encoding.UTF8.GetBytes($"renderings {n}\n", output);
        }

        public void WriteProtobufTo(IBufferWriter<byte> output)
        {
            ProtobufRenderings++;
            var text = new ArrayBufferWriter<byte>();
            WriteTo(text);
            ProtobufExposition.FromText(text.WrittenSpan, output);
        }
    }
}
