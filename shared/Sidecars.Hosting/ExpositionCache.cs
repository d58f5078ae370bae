using Prometheus;

namespace Sidecars.Hosting;

/// <summary>
/// Renders the exposition (the prometheus-net registry, then every <see cref="IMetricsSource"/>)
/// once into a pooled buffer and shares that rendering among concurrent scrapes: a scrape that
/// arrives while a rendering is under way waits for it, and one that arrives while another scrape is
/// still being sent a rendering at most <see cref="ShareWindow"/> old is served that one. So the
/// memory and CPU of a flood of scrapes do not grow with their number. A scraper on its own (Prometheus,
/// or one client polling back to back) gets a new rendering each time, so a value shows on
/// <c>/metrics</c> as soon as it was published. A rendering holds only values the sources had
/// published when it started: nothing is served that was not published.
/// </summary>
/// <remarks>
/// Rendering 500 label sets takes most of a millisecond of CPU, far more than sending it. Every
/// rendering is therefore also shared for <see cref="RenderShare"/> times as long as it took (at most
/// <see cref="MaxShareWindow"/>), with or without concurrent scrapes, so rendering never takes more
/// than a tenth of the process's time, however fast a client polls.
/// </remarks>
internal sealed class ExpositionCache(CollectorRegistry registry, IEnumerable<IMetricsSource> sources, TimeProvider time) : IDisposable
{
    /// <summary>How long a rendering is served to new scrapes while another scrape is still being sent it (a flood).</summary>
    public static readonly TimeSpan ShareWindow = TimeSpan.FromMilliseconds(5);

    /// <summary>A rendering is shared for this many times the time it took, with or without concurrent scrapes.</summary>
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
                if (_current is { } current && IsShared(current, time.GetElapsedTime(current.RenderedAt)) && current.TryAddReference())
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

    /// <summary>
    /// Whether a new scrape <paramref name="age"/> after <paramref name="rendering"/> started is served it: within
    /// the time its cost buys (<see cref="RenderShare"/>), or within <see cref="ShareWindow"/> while another scrape
    /// is still being sent it. A lone scraper is thus never served values older than its previous scrape saw.
    /// </summary>
    private static bool IsShared(Rendering rendering, TimeSpan age) =>
        age <= rendering.ShareFor || (age <= ShareWindow && rendering.IsBeingSent);

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
            var shareFor = TimeSpan.FromTicks(Math.Min(took.Ticks * RenderShare, MaxShareWindow.Ticks));
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
