using k8s.Models;

namespace Sidecars.Tests.Manifests;

/// <summary>Where a path inside a container lives: which volume, which path inside it.</summary>
internal sealed record VolumePath(string Volume, string PathInVolume, bool ReadOnly);

internal static class PodPaths
{
    /// <summary>The mount that holds <paramref name="path"/> in the container (the deepest one), or null.</summary>
    public static VolumePath? Resolve(this V1Container container, string path)
    {
        var mount = (container.VolumeMounts ?? [])
            .Where(m => path == m.MountPath || path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal))
            .MaxBy(m => m.MountPath.Length);
        if (mount is null)
        {
            return null;
        }
        var rest = path[mount.MountPath.Length..].TrimStart('/');
        var inVolume = string.Join('/', new[] { mount.SubPath, rest }.Where(p => !string.IsNullOrEmpty(p)));
        return new VolumePath(mount.Name, inVolume, mount.ReadOnlyProperty == true);
    }

    public static VolumePath MustResolve(this V1Container container, string path) =>
        container.Resolve(path) ?? throw new Xunit.Sdk.XunitException($"{path} is on no volume of container {container.Name}");
}
