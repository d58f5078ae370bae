namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Which file a position belongs to, independent of its name: its <see cref="FileId"/>, plus a hash of the
/// file's first <see cref="FingerprintLength"/> bytes (0 while the file was empty), which tells a
/// truncated-and-rewritten or re-created file (same inode reused) from the one that was read.
/// </summary>
internal readonly record struct FileIdentity(FileId Id, ulong Fingerprint, int FingerprintLength);
