namespace Sidecars.Writer;

/// <summary>The file the lines go to. A seam so faults (full disk, read-only volume) can be tested without them.</summary>
internal interface IIndexFile
{
    string Path { get; }

    /// <summary>Adds one whole line (ending in <c>\n</c>); throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> on failure.</summary>
    IndexFileWrite Append(ReadOnlySpan<byte> line);
}
