using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

public sealed class RotationDetectorTests
{
    private static readonly FileIdentity Open = new(new FileId(1, 100), Fingerprint: 42, FingerprintLength: 1024);
    private static readonly PathState SameAtPath = new(true, new FileId(1, 100));
    private static readonly PathState OtherAtPath = new(true, new FileId(1, 200));

    [Fact]
    public void Same_file_that_grew_is_unchanged() =>
        Assert.Equal(FileChange.Unchanged, RotationDetector.Decide(SameAtPath, Open, openLength: 5000, readOffset: 4000, sameContent: true));

    [Fact]
    public void Same_file_shorter_than_the_read_offset_was_truncated() =>
        Assert.Equal(FileChange.Truncated, RotationDetector.Decide(SameAtPath, Open, openLength: 10, readOffset: 4000, sameContent: true));

    [Fact]
    public void Same_file_with_other_first_bytes_was_rewritten_even_when_longer() =>
        Assert.Equal(FileChange.Truncated, RotationDetector.Decide(SameAtPath, Open, openLength: 9000, readOffset: 4000, sameContent: false));

    [Fact]
    public void Another_inode_at_the_path_means_the_file_was_replaced() =>
        Assert.Equal(FileChange.Replaced, RotationDetector.Decide(OtherAtPath, Open, openLength: 4000, readOffset: 4000, sameContent: true));

    [Fact]
    public void Same_inode_number_on_another_device_is_another_file() =>
        Assert.Equal(FileChange.Replaced, RotationDetector.Decide(new PathState(true, new FileId(2, 100)), Open, 4000, 4000, true));

    [Fact]
    public void Nothing_at_the_path_means_missing() =>
        Assert.Equal(FileChange.Missing, RotationDetector.Decide(PathState.Missing, Open, 4000, 4000, true));

    [Theory]
    [InlineData(1, "Renamed")]
    [InlineData(2, "Renamed")]
    [InlineData(0, "Recreated")]
    public void Old_file_with_a_name_left_was_renamed_and_one_without_was_deleted(long links, string expected) =>
        Assert.Equal(Enum.Parse<RotationKind>(expected), RotationDetector.KindOfReplacement(links));

    [Theory]
    [InlineData(true, 5000, true, "FromOffset")]
    [InlineData(true, 4000, true, "FromOffset")]
    [InlineData(true, 3999, true, "FromStart")]
    [InlineData(true, 9000, false, "FromStart")]
    [InlineData(false, 0, false, "Lost")]
    public void Resume_continues_an_intact_file_restarts_a_cut_one_and_gives_up_a_lost_one(bool found, long length, bool fingerprintMatches, string expected) =>
        Assert.Equal(Enum.Parse<ResumeAction>(expected), RotationDetector.Resume(new TailPosition(Open, 4000), found, length, fingerprintMatches));
}
