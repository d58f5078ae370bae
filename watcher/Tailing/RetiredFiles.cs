namespace Sidecars.Watcher.Tailing;

/// <summary>
/// A log's files read to their end and closed, most recent first, with where they ended: kept (at most
/// <see cref="Capacity"/>) in case one comes back to the path, and saved with the checkpoints.
/// </summary>
internal sealed class RetiredFiles
{
    /// <summary>How many finished files are remembered.</summary>
    public const int Capacity = 16;

    private readonly List<TailPosition> _positions = [];
    // A copy handed to checkpoints, made again only when the list changes (not at every turn).
    private TailPosition[]? _snapshot;

    /// <summary>The files, most recent first, with their final positions.</summary>
    public IReadOnlyList<TailPosition> All => _snapshot ??= [.. _positions];

    /// <summary>Remembers a finished file first, forgetting an older entry for the same file and the oldest past the capacity.</summary>
    public void Remember(TailPosition position)
    {
        _positions.RemoveAll(r => r.Identity.Id == position.Identity.Id);
        _positions.Insert(0, position);
        if (_positions.Count > Capacity)
        {
            _positions.RemoveAt(_positions.Count - 1);
        }
        _snapshot = null;
    }

    /// <summary>The entry of the file <paramref name="id"/>, forgotten here (it is open again); null when there is none.</summary>
    public TailPosition? Take(FileId id)
    {
        int index = _positions.FindIndex(r => r.Identity.Id == id);
        if (index < 0)
        {
            return null;
        }
        TailPosition ended = _positions[index];
        _positions.RemoveAt(index);
        _snapshot = null;
        return ended;
    }
}
