using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>When a log of a glob is over and gives its slot back: the decisions alone, without files or clocks.</summary>
public sealed class LogEndTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(4);
    private static readonly TailPosition Somewhere = new(new FileIdentity(new FileId(1, 2), 3, 4), 100);

    [Fact]
    public void A_log_whose_deleted_files_were_quiet_and_whose_path_stayed_empty_for_the_quiet_period_is_over() =>
        Assert.True(LogEnd.IsOver(Long, Quiet, hasCurrent: false, [(0, Long), (0, Quiet)]));

    [Fact]
    public void A_log_with_nothing_open_and_nothing_at_its_path_for_the_quiet_period_is_over() =>
        Assert.True(LogEnd.IsOver(Long, Quiet, hasCurrent: false, []));

    [Fact]
    public void A_log_with_a_file_at_its_path_is_not_over() =>
        Assert.False(LogEnd.IsOver(null, Quiet, hasCurrent: false, []));

    [Fact]
    public void A_log_gone_for_less_than_the_quiet_period_is_not_over() =>
        Assert.False(LogEnd.IsOver(Short, Quiet, hasCurrent: false, [(0, Long)]));

    [Fact]
    public void A_log_following_a_current_file_is_not_over() =>
        Assert.False(LogEnd.IsOver(Long, Quiet, hasCurrent: true, []));

    [Fact]
    public void A_log_whose_file_was_renamed_away_and_still_has_a_name_is_not_over_nginx_may_write_to_it_until_it_reopens() =>
        Assert.False(LogEnd.IsOver(Long, Quiet, hasCurrent: false, [(1, Long)]));

    [Fact]
    public void A_log_whose_deleted_file_had_data_within_the_quiet_period_is_not_over() =>
        Assert.False(LogEnd.IsOver(Long, Quiet, hasCurrent: false, [(0, Long), (0, Short)]));

    [Fact]
    public void A_saved_log_with_nothing_left_to_resume_and_no_file_at_its_path_was_over_before_the_restart() =>
        Assert.True(LogEnd.WasOver(new LogPosition("/l/a.log", null, [], [Somewhere]), fileAtPath: false));

    [Fact]
    public void A_saved_log_whose_file_is_back_at_its_path_is_followed_again() =>
        Assert.False(LogEnd.WasOver(new LogPosition("/l/a.log", null, [], [Somewhere]), fileAtPath: true));

    [Fact]
    public void A_saved_log_with_a_file_to_resume_is_resumed_a_file_gone_then_counts_lost()
    {
        Assert.False(LogEnd.WasOver(new LogPosition("/l/a.log", Somewhere, [], []), fileAtPath: false));
        Assert.False(LogEnd.WasOver(new LogPosition("/l/a.log", null, [Somewhere], []), fileAtPath: false));
    }

    [Theory]
    [InlineData(0, 100, 100, true)]   // deleted, read to its end
    [InlineData(0, 120, 100, false)]  // deleted, 20 bytes unread
    [InlineData(1, 100, 100, false)]  // still has a name: a restart finds it and goes on
    public void A_rotated_file_is_saved_as_finished_only_when_deleted_and_read_to_its_end(long links, long length, long consumed, bool finished) =>
        Assert.Equal(finished, LogEnd.IsFinished(links, length, consumed));
}
