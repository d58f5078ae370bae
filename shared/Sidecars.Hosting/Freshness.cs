namespace Sidecars.Hosting;

/// <summary>
/// What a scrape must be shown, taken by <see cref="ExpositionCache.Mark"/>: every rendering started before it
/// (<see cref="Sequence"/>) is too old unless nothing was published since, which the sum of the sources'
/// versions then (<see cref="Version"/>; null: a source cannot tell) shows.
/// </summary>
internal readonly record struct Freshness(long Sequence, long? Version);
