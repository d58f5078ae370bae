namespace Sidecars.Watcher;

/// <summary>
/// What <see cref="OnceReader.Read"/> read: <see cref="BytesRead"/> in all, of which the last
/// <see cref="UnterminatedBytes"/> are a final line without <c>\n</c> that was not delivered.
/// </summary>
internal readonly record struct OnceResult(long BytesRead, long UnterminatedBytes);
