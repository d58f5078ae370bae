namespace Sidecars.Testing;

/// <summary>One step of a pod run by <see cref="PodRunner"/>: when, which container, what happened.</summary>
public sealed record PodEvent(DateTimeOffset At, string Container, string What);
