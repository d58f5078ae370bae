namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Receives the lines of one log, in file order, on the reading thread: from <see cref="LineSplitter"/> (the
/// tailer's files, once mode, a compressed rotated file) or from the syslog receiver. Everything else the reader
/// has to tell, and the checkpoints, goes to <see cref="ITailEvents"/>.
/// </summary>
internal interface ILineSink
{
    /// <summary>One complete line, without its <c>\n</c> (a <c>\r</c> before it is removed too).</summary>
    void OnLine(ReadOnlySpan<byte> line);

    /// <summary>A line longer than the limit was skipped; <paramref name="length"/> is its length in bytes without the newline.</summary>
    void OnLineTooLong(long length);
}
