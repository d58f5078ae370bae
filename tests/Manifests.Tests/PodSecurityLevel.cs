namespace Sidecars.Tests.Manifests;

/// <summary>The levels of Kubernetes' Pod Security Standards, from least to most strict.</summary>
internal enum PodSecurityLevel
{
    Privileged,
    Baseline,
    Restricted,
}
