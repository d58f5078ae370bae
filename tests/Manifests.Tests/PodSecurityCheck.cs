namespace Sidecars.Tests.Manifests;

/// <summary>One rule of the standards checked for one container (or the pod as a whole: Container "(pod)").</summary>
internal sealed record PodSecurityCheck(string Container, string Rule, PodSecurityLevel Level, bool Holds);
