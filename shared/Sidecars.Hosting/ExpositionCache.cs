using Prometheus;

namespace Sidecars.Hosting;

/// <summary>
/// Renders the exposition (the prometheus-net registry, then every <see cref="IMetricsSource"/>)
/// into a pooled buffer and shares that rendering among scrapes of the same <see cref="MetricsFormat"/> where that shows each of them
/// everything it must show, so the memory and CPU of a flood of scrapes do not grow with their number.
/// A scrape first takes a <see cref="Mark"/> (after the service caught up, <see cref="IScrapeCatchUp"/>);
/// it is then served a rendering that holds every value published before that mark:
/// <list type="bullet">
/// <item>one that started after the mark (a scrape that arrives while such a rendering is under way waits for it);</item>
/// <item>or one at most <see cref="ShareWindow"/> old while no source has published anything since it started
/// (<see cref="IMetricsSource.Version"/>): the window bounds what the unversioned parts (the registry, the
/// process metrics) may lag.</item>
/// </list>
/// Rendering spends at most a tenth of a core: a budget of <see cref="RenderBudget"/> of CPU, refilled at a
/// tenth of the time that passes, one budget for every format. While it is spent, a scrape that needs a new rendering waits for the budget
/// (at most <see cref="MaxBudgetWait"/>, then it renders anyway): a flood of scrapes is slowed down, never
/// served values older than its mark.
/// </summary>
/// <remarks>
/// Each format has its own current rendering, made only when a scraper asks for that format (a Prometheus that
/// scrapes protobuf costs no text rendering); the sequence numbers are shared, so a mark holds for both.
/// Rendering 500 label sets takes most of a millisecond of CPU, far more than sending it. A rendering's
/// cost is the CPU time the process spent while it ran, at most its wall time: a rendering that waited for
/// a core (preempted, or throttled by a CPU limit) is not taken for an expensive one.
/// </remarks>
/// <param name="registry">The prometheus-net registry, rendered first.</param>
/// <param name="sources">The service's own metrics, rendered after it in this order.</param>
/// <param name="time">The clock of the share window, the budget's refill and its waits.</param>
/// <param name="cpuTime">The process's CPU time so far (default <see cref="Environment.CpuUsage"/>).</param>
internal sealed class ExpositionCache(CollectorRegistry registry, IEnumerable<IMetricsSource> sources, TimeProvider time, Func<TimeSpan>? cpuTime = null) : IDisposable
{
    /// <summary>How long a rendering is served again while no source has published anything since it started.</summary>
    public static readonly TimeSpan ShareWindow = TimeSpan.FromMilliseconds(5);

    /// <summary>Rendering may use one part in this many of the time that passes, on average.</summary>
    public const int RenderShare = 10;

    /// <summary>The CPU time rendering may spend at once before the budget holds it back.</summary>
    public static readonly TimeSpan RenderBudget = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest a scrape waits for the budget before it renders anyway.</summary>
    public static readonly TimeSpan MaxBudgetWait = TimeSpan.FromSeconds(1);

    private readonly IMetricsSource[] _sources = sources.ToArray();
    private readonly Func<TimeSpan> _cpuTime = cpuTime ?? (static () => Environment.CpuUsage.TotalTime);
    private readonly Lock _lock = new();
    private readonly Rendering?[] _current = new Rendering?[2]; // by MetricsFormat
    private readonly Task<Rendering>?[] _inProgress = new Task<Rendering>?[2];
    private long _started; // renderings started so far: a rendering's sequence number
    private TimeSpan _budget = RenderBudget;
    private long _budgetAt = time.GetTimestamp();

    /// <summary>What a scrape must be shown: every value published before this call.</summary>
    public Freshness Mark()
    {
        lock (_lock)
        {
            return new Freshness(_started, SourcesVersion());
        }
    }

    /// <summary>A text rendering (see <see cref="AcquireAsync(MetricsFormat, Freshness, CancellationToken)"/>).</summary>
    public Task<Rendering> AcquireAsync(Freshness wanted, CancellationToken cancellationToken) =>
        AcquireAsync(MetricsFormat.Text, wanted, cancellationToken);

    /// <summary>
    /// A rendering in <paramref name="format"/> that holds every value published before <paramref name="wanted"/>
    /// was marked, with a reference taken for the caller, who must <see cref="Rendering.Release"/> it.
    /// </summary>
    public async Task<Rendering> AcquireAsync(MetricsFormat format, Freshness wanted, CancellationToken cancellationToken)
    {
        int f = (int)format;
        long arrived = time.GetTimestamp();
        while (true)
        {
            Task<Rendering>? pending = null;
            TaskCompletionSource<Rendering>? mine = null;
            TimeSpan wait = TimeSpan.Zero;
            long sequence = 0;
            lock (_lock)
            {
                if (_current[f] is { } current && Shows(current, wanted) && current.TryAddReference())
                {
                    return current;
                }
                if (_inProgress[f] is not null)
                {
                    pending = _inProgress[f]; // one rendering at a time per format: wait for it, then look again
                }
                else if ((wait = BudgetWait(arrived)) <= TimeSpan.Zero)
                {
                    mine = new TaskCompletionSource<Rendering>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _inProgress[f] = mine.Task;
                    sequence = ++_started;
                    pending = _inProgress[f];
                }
            }
            if (pending is null)
            {
                // The budget is spent: wait for it (or for a rendering someone else starts meanwhile), then look again.
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (mine is not null)
            {
                await RenderAndPublishAsync(mine, sequence, format).ConfigureAwait(false);
            }
            var rendering = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            // Too old for this scrape (it was under way before the mark), or already replaced and released: look again.
            if (Shows(rendering, wanted) && rendering.TryAddReference())
            {
                return rendering;
            }
        }
    }

    /// <summary>Whether <paramref name="rendering"/> holds every value published before the mark.</summary>
    private bool Shows(Rendering rendering, Freshness wanted) =>
        rendering.Sequence > wanted.Sequence
        || (rendering.Version is { } v && wanted.Version is { } w && v >= w && time.GetElapsedTime(rendering.RenderedAt) <= ShareWindow);

    /// <summary>How long a scrape that arrived at <paramref name="arrived"/> waits for the budget before rendering (under the lock).</summary>
    private TimeSpan BudgetWait(long arrived)
    {
        long now = time.GetTimestamp();
        var budget = BudgetNow(now);
        if (budget >= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }
        var left = MaxBudgetWait - time.GetElapsedTime(arrived, now);
        if (left <= TimeSpan.Zero)
        {
            return TimeSpan.Zero; // waited long enough: render anyway
        }
        var refill = -budget * RenderShare;
        // At least a millisecond, so a wait is never a spin.
        return TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, Math.Min(refill.Ticks, left.Ticks)));
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

    private async Task RenderAndPublishAsync(TaskCompletionSource<Rendering> completion, long sequence, MetricsFormat format)
    {
        int f = (int)format;
        Rendering fresh;
        try
        {
            fresh = await RenderAsync(sequence, format).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _inProgress[f] = null;
            }
            completion.SetException(e);
            return;
        }
        Rendering? previous;
        lock (_lock)
        {
            previous = _current[f];
            _current[f] = fresh;
            _inProgress[f] = null;
        }
        previous?.Release();
        completion.SetResult(fresh);
    }

    private async Task<Rendering> RenderAsync(long sequence, MetricsFormat format)
    {
        long startedAt = time.GetTimestamp();
        var cpuAtStart = _cpuTime();
        long? version = SourcesVersion(); // before the values are read: a change while rendering shows next time
        var body = new PooledBuffer();
        try
        {
            if (format == MetricsFormat.Protobuf)
            {
                // prometheus-net writes no protobuf: its few families (build_info and counters) are converted from its text.
                using (var registryText = new PooledBuffer())
                {
                    await registry.CollectAndExportAsTextAsync(registryText.AsStream(), CancellationToken.None).ConfigureAwait(false);
                    ProtobufExposition.FromText(registryText, body);
                }
                foreach (var source in _sources)
                {
                    source.WriteProtobufTo(body);
                }
            }
            else
            {
                await registry.CollectAndExportAsTextAsync(body.AsStream(), CancellationToken.None).ConfigureAwait(false);
                foreach (var source in _sources)
                {
                    source.WriteTo(body);
                }
            }
            var cost = Min(time.GetElapsedTime(startedAt), _cpuTime() - cpuAtStart);
            lock (_lock)
            {
                Spend(cost);
            }
            return new Rendering(body, startedAt, version, sequence, format);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public void Dispose()
    {
        Rendering?[] current;
        lock (_lock)
        {
            current = [.. _current];
            Array.Clear(_current);
        }
        foreach (var rendering in current)
        {
            rendering?.Release();
        }
    }
}

