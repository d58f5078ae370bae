namespace Sidecars.Writer;

/// <summary>What one write did to the file: its size after, whether it was trimmed, and the bytes put on disk.</summary>
internal readonly record struct IndexFileWrite(long SizeBytes, bool Trimmed, long BytesWritten);
