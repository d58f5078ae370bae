using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>Which <c>reason</c> a failed look at a path counts as.</summary>
public sealed class ReadErrorsTests
{
    [Theory]
    [InlineData(13, "permission_denied")] // EACCES: a folder on the way that may not be searched
    [InlineData(1, "permission_denied")]  // EPERM
    [InlineData(40, "symlink_loop")]      // ELOOP
    [InlineData(36, "io")]                // ENAMETOOLONG
    [InlineData(5, "io")]                 // EIO
    [InlineData(116, "io")]               // ESTALE
    public void An_errno_counts_as_its_reason(int errno, string reason) =>
        Assert.Equal(reason, ReadErrors.FromErrno(errno).Label());

    [Fact]
    public void Every_reason_has_its_own_label_in_the_style_of_the_others() =>
        Assert.Equal(["not_regular_file", "permission_denied", "io", "symlink_loop"], Enum.GetValues<ReadError>().Select(e => e.Label()));

    [Fact]
    public void A_failed_open_counts_by_its_errno_and_names_the_path_and_the_cause()
    {
        var failure = new FileAccessException("open", "/var/log/nginx/a.log", 40);
        Assert.Equal(ReadError.SymlinkLoop, ReadErrors.Of(failure));
        Assert.Equal(ReadError.PermissionDenied, ReadErrors.Of(new UnauthorizedAccessException()));
        Assert.Equal(ReadError.Io, ReadErrors.Of(new IOException()));
        Assert.Contains("/var/log/nginx/a.log", failure.Message, StringComparison.Ordinal);
        Assert.Contains("errno 40", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_look_at_a_path_never_throws_and_tells_nothing_there_from_a_failure()
    {
        using var folder = new Sidecars.Testing.TempFolder("read-errors");
        string loop = folder.File("loop");
        File.CreateSymbolicLink(loop, loop);
        File.CreateSymbolicLink(folder.File("dangling"), folder.File("gone"));

        Assert.Null(FileStatus.OfPath(loop, out int looping));
        Assert.Equal(ReadError.SymlinkLoop, ReadErrors.FromErrno(looping));
        Assert.Null(FileStatus.OfPath(folder.File("dangling"), out int dangling));
        Assert.Equal(0, dangling);
        Assert.NotNull(FileStatus.OfPath(folder.Path, out int found));
        Assert.Equal(0, found);
        Assert.Throws<FileAccessException>(() => FileStatus.OfPath(loop));
    }
}
