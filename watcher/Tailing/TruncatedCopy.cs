using Microsoft.Extensions.Logging;

namespace Sidecars.Watcher.Tailing;

/// <summary>
/// After a copytruncate, lines written between the last read and the truncation exist only in the copy
/// (<c>access.log.1</c>): the sibling that starts with the same bytes as the truncated file, longer than what was
/// consumed of it.
/// </summary>
internal static class TruncatedCopy
{
    /// <summary>
    /// Opens the copy of <paramref name="truncated"/> among the rotated siblings of <paramref name="fullPath"/>, set to
    /// read on from <paramref name="consumed"/> (and says so in the log); null when there is none. Siblings already open (<paramref name="isOpen"/>)
    /// are passed over; one that cannot be opened is skipped (<see cref="UnfollowableEntries"/>) and the search goes on.
    /// </summary>
    public static TailedFile? Open(string fullPath, FileIdentity truncated, long consumed, Predicate<FileId> isOpen,
        UnfollowableEntries unfollowable, int maxLineBytes, byte[] scratch, ILogger logger)
    {
        foreach ((string path, FileStatus status) in RotatedSiblings.Of(fullPath, unfollowable))
        {
            if (status.Length <= consumed
                || string.Equals(path, fullPath, StringComparison.Ordinal)
                || isOpen(status.Id))
            {
                continue;
            }
            TailedFile? copy;
            try
            {
                copy = TailedFile.OpenIfSame(path, status, maxLineBytes, scratch);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unfollowable.Skip(path, e); // one sibling that cannot be opened does not keep the copy from being found
                continue;
            }
            if (copy is null)
            {
                continue;
            }
            if (copy.Identity.FingerprintLength >= truncated.FingerprintLength && copy.Matches(truncated, scratch))
            {
                copy.ResumeAt(consumed, copy.Identity);
                TailerLog.DrainingCopy(logger, path, consumed, status.Length - consumed);
                return copy;
            }
            copy.Dispose();
        }
        return null;
    }
}
