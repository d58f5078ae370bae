using Prometheus;

namespace Sidecars.Hosting;

/// <summary>
/// Renders the exposition (the prometheus-net registry, then every <see cref="IMetricsSource"/>)
/// into a pooled buffer and shares that rendering among scrapes where it can, so the memory and CPU
/// of a flood of scrapes do not grow with their number:
/// <list type="bullet">
/// <item>a scrape that arrives while a rendering is under way waits for it;</item>
/// <item>a rendering at most <see cref="ShareWindow"/> old is served again while another scrape is still
/// being sent it (a flood), or while no source has new values (<see cref="IMetricsSource.Version"/>);</item>
/// <item>rendering spends at most a tenth of a core: a budget of <see cref="RenderBudget"/> of CPU, refilled
/// at a tenth of the time that passes; while it is spent, the last rendering is served (up to
/// <see cref="MaxShareWindow"/> old).</item>
/// </list>
/// So a scraper on its own (Prometheus, or one client polling back to back) sees a new value as soon as it
/// was published. A rendering holds only values the sources had published when it started: nothing is
/// served that was not published.
/// </summary>
/// <remarks>
/// Rendering 500 label sets takes most of a millisecond of CPU, far more than sending it. A rendering's
/// cost is the CPU time the process spent while it ran, at most its wall time: a rendering that waited for
/// a core (preempted, or throttled by a CPU limit) is not taken for an expensive one.
/// </remarks>
/// <param name="registry">The prometheus-net registry, rendered first.</param>
/// <param name="sources">The service's own metrics, rendered after it in this order.</param>
/// <param name="time">The clock of the share windows and of the budget's refill.</param>
/// <param name="cpuTime">The process's CPU time so far (default <see cref="Environment.CpuUsage"/>).</param>
internal sealed class ExpositionCache(CollectorRegistry registry, IEnumerable<IMetricsSource> sources, TimeProvider time, Func<TimeSpan>? cpuTime = null) : IDisposable
{
    /// <summary>How long a rendering is served again while it is being sent to another scrape or nothing changed.</summary>
    public static readonly TimeSpan ShareWindow = TimeSpan.FromMilliseconds(5);

    /// <summary>Rendering may use one part in this many of the time that passes, on average.</summary>
    public const int RenderShare = 10;

    /// <summary>The CPU time rendering may spend at once before the budget holds it back.</summary>
    public static readonly TimeSpan RenderBudget = TimeSpan.FromMilliseconds(10);

    /// <summary>The oldest rendering served while the budget is spent.</summary>
    public static readonly TimeSpan MaxShareWindow = TimeSpan.FromSeconds(1);

    private readonly IMetricsSource[] _sources = sources.ToArray();
    private readonly Func<TimeSpan> _cpuTime = cpuTime ?? (static () => Environment.CpuUsage.TotalTime);
    private readonly Lock _lock = new();
    private Rendering? _current;
    private Task<Rendering>? _inProgress;
    private TimeSpan _budget = RenderBudget;
    private long _budgetAt = time.GetTimestamp();

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

    /// <summary>Whether a new scrape <paramref name="age"/> after <paramref name="rendering"/> started is served it (under the lock).</summary>
    private bool IsShared(Rendering rendering, TimeSpan age)
    {
        if (age <= ShareWindow && (rendering.IsBeingSent || (rendering.Version is { } v && v == SourcesVersion())))
        {
            return true;
        }
        return age <= MaxShareWindow && BudgetNow(time.GetTimestamp()) < TimeSpan.Zero;
    }

    /// <summary>The sum of the sources' versions (each only grows), or null when one cannot tell.</summary>
    private long? SourcesVersion()
    {
        long sum = 0;
        foreach (var source in _sources)
        {
            long version = source.Version;
            if (version == IMetricsSource.Changing)
            {
                return null;
            }
            sum = unchecked(sum + version);
        }
        return sum;
    }

    private TimeSpan BudgetNow(long now)
    {
        var refill = time.GetElapsedTime(_budgetAt, now) / RenderShare;
        return refill >= RenderBudget - _budget ? RenderBudget : _budget + refill;
    }

    /// <summary>Takes a rendering's cost from the budget (under the lock).</summary>
    private void Spend(TimeSpan cost)
    {
        long now = time.GetTimestamp();
        _budget = BudgetNow(now) - cost;
        _budgetAt = now;
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
        var cpuAtStart = _cpuTime();
        long? version = SourcesVersion(); // before the values are read: a change while rendering shows next time
        var text = new PooledBuffer();
        try
        {
            await registry.CollectAndExportAsTextAsync(text.AsStream(), CancellationToken.None).ConfigureAwait(false);
            foreach (var source in _sources)
            {
                source.WriteTo(text);
            }
            var cost = Min(time.GetElapsedTime(startedAt), _cpuTime() - cpuAtStart);
            lock (_lock)
            {
                Spend(cost);
            }
            return new Rendering(text, startedAt, version);
        }
        catch
        {
            text.Dispose();
            throw;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

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
