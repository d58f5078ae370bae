using Prometheus;

namespace Sidecars.Hosting;

/// <summary>
/// Renders the exposition (the prometheus-net registry, then every <see cref="IMetricsSource"/>)
/// once into a pooled buffer and serves every scrape that arrives within a few milliseconds
/// (<see cref="ShareWindow"/>) from that rendering; scrapes that arrive while a rendering is under
/// way wait for it. So the memory and CPU of a burst of scrapes do not grow with their number. A
/// rendering holds only values the sources had published when it started: nothing is served that
/// was not published.
/// </summary>
/// <remarks>
/// Rendering 500 label sets takes most of a millisecond of CPU, far more than sending it. Under a
/// flood of scrapes, or when a CPU limit stretches a rendering, a rendering is therefore shared for
/// up to <see cref="RenderShare"/> times as long as it took (at most <see cref="MaxShareWindow"/>),
/// so rendering never takes more than a tenth of the process's time.
/// </remarks>
internal sealed class ExpositionCache(CollectorRegistry registry, IEnumerable<IMetricsSource> sources, TimeProvider time) : IDisposable
{
    /// <summary>How long a rendering is served to new scrapes (a few milliseconds: values stay fresh).</summary>
    public static readonly TimeSpan ShareWindow = TimeSpan.FromMilliseconds(5);

    /// <summary>A rendering is shared for this many times the time it took, if that is longer than <see cref="ShareWindow"/>.</summary>
    public const int RenderShare = 10;

    /// <summary>The longest a rendering is shared, however slow it was.</summary>
    public static readonly TimeSpan MaxShareWindow = TimeSpan.FromSeconds(1);

    private readonly IMetricsSource[] _sources = sources.ToArray();
    private readonly Lock _lock = new();
    private Rendering? _current;
    private Task<Rendering>? _inProgress;

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
                if (_current is { } current && time.GetElapsedTime(current.RenderedAt) <= current.ShareFor && current.TryAddReference())
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
            var took = time.GetElapsedTime(startedAt);
            var shareFor = TimeSpan.FromTicks(Math.Clamp(took.Ticks * RenderShare, ShareWindow.Ticks, MaxShareWindow.Ticks));
            return new Rendering(text, startedAt, shareFor);
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
