namespace Sidecars.Testing;

/// <summary>
/// A key of a manifest's ConfigMap that a test gives other content (or adds): the pod's containers see
/// <paramref name="Value"/> wherever they mount <paramref name="Key"/>. The manifest's other keys stay as they are.
/// </summary>
/// <param name="ConfigMap">The ConfigMap's name, e.g. <c>nginx-log-format</c>.</param>
/// <param name="Key">The data key, e.g. <c>log-format.conf</c>.</param>
/// <param name="Value">The file's content.</param>
public sealed record ConfigMapOverride(string ConfigMap, string Key, string Value);
