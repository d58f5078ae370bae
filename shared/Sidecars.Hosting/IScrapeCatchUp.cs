namespace Sidecars.Hosting;

/// <summary>
/// A service that reads its inputs when a scrape asks for them (the watcher: every log to its end), so that a
/// scrape shows everything that was there when it arrived, without the service waking for every change in
/// between. The endpoint awaits every catch-up of the service before it picks a rendering: endpoint → catch-up
/// → (the service saves and publishes) → render.
/// </summary>
public interface IScrapeCatchUp
{
    /// <summary>
    /// Completes once what the inputs held when it was called has been published, or once the service stopped
    /// waiting for that (a bounded time, which the service counts). Scrapes that call at once may share the work.
    /// Throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task CatchUpAsync(CancellationToken cancellationToken);
}
