using Prometheus;

namespace Sidecars.Hosting;

/// <summary>
/// Renders the exposition (the prometheus-net registry, then every <see cref="IMetricsSource"/>)
/// once into a pooled buffer and serves every scrape that arrives within <see cref="ShareWindow"/>
/// from that rendering; scrapes that arrive while a rendering is under way wait for it. So the
/// memory and CPU of a burst of scrapes do not grow with their number. A rendering holds only
/// values the sources had published when it started: nothing is served that was not published.
/// </summary>
internal sealed class ExpositionCache(CollectorRegistry registry, IEnumerable<IMetricsSource> sources, TimeProvider time) : IDisposable
{
    /// <summary>How long a rendering is served to new scrapes (a few milliseconds: values stay fresh).</summary>
    public static readonly TimeSpan ShareWindow = TimeSpan.FromMilliseconds(5);

    private readonly IMetricsSource[] _sources = sources.ToArray();
    private readonly Lock _lock = new();
    private Rendering? _current;
    private Task<Rendering>? _inProgress;
    private long _renderings;

    /// <summary>Renderings made so far (each served one or more scrapes).</summary>
    public long Renderings => Interlocked.Read(ref _renderings);

    /// <summary>
    /// A fresh rendering with a reference taken for the caller, who must <see cref="Rendering.Release"/> it.
    /// </summary>
    public async Task<Rendering> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<Rendering> pending;
            TaskCompletionSource<Rendering>? mine = null;
            lock (_lock)
            {
                if (_current is { } current && time.GetElapsedTime(current.RenderedAt) <= ShareWindow && current.TryAddReference())
                {
                    return current;
                }
                if (_inProgress is null)
                {
                    mine = new TaskCompletionSource<Rendering>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _inProgress = mine.Task;
                }
                pending = _inProgress;
            }
            if (mine is not null)
            {
                await RenderAndPublishAsync(mine).ConfigureAwait(false);
            }
            var rendering = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            // It may already have been replaced and released (a caller that waited long): render again.
            if (rendering.TryAddReference())
            {
                return rendering;
            }
        }
    }

    private async Task RenderAndPublishAsync(TaskCompletionSource<Rendering> completion)
    {
        Rendering fresh;
        try
        {
            fresh = await RenderAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _inProgress = null;
            }
            completion.SetException(e);
            return;
        }
        Rendering? previous;
        lock (_lock)
        {
            previous = _current;
            _current = fresh;
            _inProgress = null;
        }
        previous?.Release();
        Interlocked.Increment(ref _renderings);
        completion.SetResult(fresh);
    }

    private async Task<Rendering> RenderAsync()
    {
        long startedAt = time.GetTimestamp();
        var text = new PooledBuffer();
        try
        {
            await registry.CollectAndExportAsTextAsync(text.AsStream(), CancellationToken.None).ConfigureAwait(false);
            foreach (var source in _sources)
            {
                source.WriteTo(text);
            }
            return new Rendering(text, startedAt);
        }
        catch
        {
            text.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Rendering? current;
        lock (_lock)
        {
            current = _current;
            _current = null;
        }
        current?.Release();
    }
}
