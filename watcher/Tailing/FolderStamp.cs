namespace Sidecars.Watcher.Tailing;

/// <summary>
/// What a folder's own <c>stat</c> says about its names: which folder it is and when a name in it was last added,
/// removed or renamed (its modification time). Without name events, this is how the tailer knows whether a glob's
/// folder must be listed again: listing and looking at thousands of files at every turn costs a core's tenth,
/// one <c>stat</c> of the folder costs nothing.
/// </summary>
internal readonly record struct FolderStamp(FileId Folder, long ModifiedAt)
{
    /// <summary>
    /// How long a folder's time must stay the same before a listing is trusted to have seen every name: file systems
    /// stamp times at a coarse tick, so a name added just after a listing, within the same tick, leaves the time as
    /// it was. Listing again until the time stayed the same this long sees such a name.
    /// </summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    public static FolderStamp Of(FileStatus folder) => new(folder.Id, folder.ModifiedAt);

    /// <summary>
    /// Whether to list the folder again: never listed, another folder or another time than at the last listing, or
    /// the same time seen for less than <see cref="Settle"/>. Pure.
    /// </summary>
    /// <param name="listed">The stamp at the last listing (null: never listed).</param>
    /// <param name="now">The stamp now.</param>
    /// <param name="sameFor">How long the stamp has been <paramref name="now"/>, as far as the tailer saw.</param>
    public static bool MustList(FolderStamp? listed, FolderStamp now, TimeSpan sameFor) =>
        listed != now || sameFor < Settle;
}
