namespace Sidecars.Testing;

/// <summary>
/// An environment variable a test sets in one container of a manifest's pod: it replaces the manifest's value
/// of <paramref name="Name"/>, or is added when the manifest has none. Everything else stays as the manifest says.
/// </summary>
/// <param name="Container">The container's name (a container or an init container).</param>
/// <param name="Name">The variable, e.g. <c>Watcher__Path</c>.</param>
/// <param name="Value">Its value; empty is a value too (an empty setting).</param>
public sealed record EnvOverride(string Container, string Name, string Value);
