using System.Text;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>Records what a tailer delivers, lines and events; safe to read from the test thread while the tailer runs.</summary>
internal sealed class RecordingSink : ILineSink, ITailEvents
{
    private readonly Lock _lock = new();
    private readonly List<byte[]> _lines = [];
    private readonly List<long> _tooLong = [];
    private readonly List<RotationKind> _rotations = [];
    private readonly List<TailCheckpoint> _checkpoints = [];

    public IReadOnlyList<byte[]> LineBytes { get { lock (_lock) { return [.. _lines]; } } }

    /// <summary>The lines as Latin-1 text: every byte maps to one char, so any content compares exactly.</summary>
    public IReadOnlyList<string> Lines { get { lock (_lock) { return [.. _lines.Select(l => Encoding.Latin1.GetString(l))]; } } }

    public int LineCount { get { lock (_lock) { return _lines.Count; } } }

    public IReadOnlyList<long> TooLong { get { lock (_lock) { return [.. _tooLong]; } } }

    public IReadOnlyList<RotationKind> Rotations { get { lock (_lock) { return [.. _rotations]; } } }

    public IReadOnlyList<TailCheckpoint> Checkpoints { get { lock (_lock) { return [.. _checkpoints]; } } }

    /// <summary>What the watcher would have saved last: the checkpoint a restart resumes from.</summary>
    public TailCheckpoint? Saved { get { lock (_lock) { return _checkpoints.Count == 0 ? null : _checkpoints[^1]; } } }

    public void OnLine(ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            _lines.Add(line.ToArray());
        }
    }

    public void OnLineTooLong(long length)
    {
        lock (_lock)
        {
            _tooLong.Add(length);
        }
    }

    public void OnRotation(RotationKind kind)
    {
        lock (_lock)
        {
            _rotations.Add(kind);
        }
    }

    private readonly List<ReadError> _readErrors = [];
    private int _filesLost;

    public IReadOnlyList<ReadError> ReadErrors { get { lock (_lock) { return [.. _readErrors]; } } }

    public int FilesLost { get { lock (_lock) { return _filesLost; } } }

    public void OnReadError(ReadError error)
    {
        lock (_lock)
        {
            _readErrors.Add(error);
        }
    }

    private readonly List<string> _skipped = [];

    public IReadOnlyList<string> LogsSkipped { get { lock (_lock) { return [.. _skipped]; } } }

    public void OnLogSkipped(string path)
    {
        lock (_lock)
        {
            _skipped.Add(path);
        }
    }

    public void OnFileLost()
    {
        lock (_lock)
        {
            _filesLost++;
        }
    }

    public void OnCheckpoint(TailCheckpoint checkpoint)
    {
        lock (_lock)
        {
            _checkpoints.Add(checkpoint);
        }
    }
}
