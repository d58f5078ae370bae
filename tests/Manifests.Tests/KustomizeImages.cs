using YamlDotNet.RepresentationModel;

namespace Sidecars.Tests.Manifests;

/// <summary>One entry of a kustomization's `images:`.</summary>
internal sealed record ImageOverride(string Name, string? NewName, string? NewTag, string? Digest);

/// <summary>kustomize's image rewriting: an image whose name (without tag or digest) equals an entry's name gets its newName/newTag/digest.</summary>
internal static class KustomizeImages
{
    public static List<ImageOverride> Read(YamlMappingNode kustomization) =>
        [.. kustomization.Seq("images").Maps().Select(entry => new ImageOverride(
            entry.Str("name"), entry.StrOrNull("newName"), entry.StrOrNull("newTag"), entry.StrOrNull("digest")))];

    /// <summary>Splits `registry:5000/repo/name:tag@sha256:...` into name and the rest (`:tag`, `@digest`), as kustomize does.</summary>
    public static (string Name, string Suffix) Split(string image)
    {
        // A colon before the first slash belongs to the registry's port.
        var searchFrom = Math.Max(image.IndexOf('/', StringComparison.Ordinal), 0);
        var end = image.IndexOfAny([':', '@'], searchFrom);
        return end < 0 ? (image, "") : (image[..end], image[end..]);
    }

    public static bool Covers(this IEnumerable<ImageOverride> overrides, string image) =>
        overrides.Any(o => o.Name == Split(image).Name);

    public static string Apply(this IEnumerable<ImageOverride> overrides, string image)
    {
        var (name, suffix) = Split(image);
        var entry = overrides.FirstOrDefault(o => o.Name == name);
        if (entry is null)
        {
            return image;
        }
        var newSuffix = entry.Digest is not null ? "@" + entry.Digest
            : entry.NewTag is not null ? ":" + entry.NewTag
            : suffix;
        return (entry.NewName ?? name) + newSuffix;
    }
}
