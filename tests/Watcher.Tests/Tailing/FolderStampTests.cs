using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>When a glob's folder is listed again without name events: only when its names may have changed.</summary>
public sealed class FolderStampTests
{
    private static readonly FolderStamp Stamp = new(new FileId(1, 2), 1000);

    [Fact]
    public void A_folder_never_listed_is_listed() =>
        Assert.True(FolderStamp.MustList(null, Stamp, TimeSpan.Zero));

    [Fact]
    public void A_folder_whose_time_stayed_the_same_for_the_settle_time_is_not_listed_again() =>
        Assert.False(FolderStamp.MustList(Stamp, Stamp, FolderStamp.Settle));

    [Fact]
    public void A_folder_whose_time_changed_is_listed_again() =>
        Assert.True(FolderStamp.MustList(Stamp, Stamp with { ModifiedAt = 1001 }, TimeSpan.FromHours(1)));

    [Fact]
    public void Another_folder_at_the_same_path_is_listed() =>
        Assert.True(FolderStamp.MustList(Stamp, Stamp with { Folder = new FileId(1, 3) }, TimeSpan.FromHours(1)));

    [Fact]
    public void A_folder_changed_a_moment_ago_is_listed_again_a_name_added_in_the_same_tick_leaves_its_time_unchanged() =>
        Assert.True(FolderStamp.MustList(Stamp, Stamp, FolderStamp.Settle - TimeSpan.FromMilliseconds(1)));
}
