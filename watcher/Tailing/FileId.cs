namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Which file it is, whatever its name: the device and inode number <c>stat</c> gives. Equal ids are the same file
/// as long as it exists; a number reused by a later file is told apart by <see cref="FileIdentity"/>'s fingerprint.
/// </summary>
internal readonly record struct FileId(ulong Device, ulong Inode)
{
    public override string ToString() => $"device {Device}, inode {Inode}";
}
