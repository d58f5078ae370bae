namespace Sidecars.Watcher.State;

/// <summary>Which file (device, inode, fingerprint of its head) and how far into it every line was delivered.</summary>
internal sealed class PositionState
{
    public ulong Device { get; set; }
    public ulong Inode { get; set; }
    public ulong Fingerprint { get; set; }
    public int FingerprintLength { get; set; }
    public long Offset { get; set; }
}
