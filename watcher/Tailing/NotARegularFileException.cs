namespace Sidecars.Watcher.Tailing;

/// <summary>The path names something the tailer does not read: a FIFO, a socket, a device or a folder.</summary>
internal sealed class NotARegularFileException(string path, string kind)
    : IOException($"{path} is {kind}, not a regular file")
{
    public string Path { get; } = path;
}
