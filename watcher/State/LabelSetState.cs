namespace Sidecars.Watcher.State;

internal sealed class LabelSetState
{
    /// <summary>Label name → value (<c>method</c> → <c>GET</c>).</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Family name → the counter of this label set.</summary>
    public Dictionary<string, long> Values { get; set; } = [];
}
