namespace Sidecars.Hosting;

/// <summary>
/// One connection's place in the <see cref="ConnectionTable"/>: waiting (for a request, or for the
/// rest of its headers) or busy (a request in progress), until it closes or is evicted. The state
/// changes under the table's lock.
/// </summary>
internal sealed class ConnectionSlot
{
    internal const int Waiting = 0;
    internal const int Busy = 1;
    internal const int Gone = 2;

    private readonly ConnectionTable _table;
    private readonly Action _abort;

    internal ConnectionSlot(ConnectionTable table, Action abort)
    {
        _table = table;
        _abort = abort;
        Node = new LinkedListNode<ConnectionSlot>(this);
    }

    internal LinkedListNode<ConnectionSlot> Node { get; }

    internal int State { get; set; } = Waiting;

    /// <summary>A request started: the connection cannot be evicted until it ends.</summary>
    public void RequestStarted() => _table.MarkBusy(this);

    /// <summary>The request ended: the connection waits for the next one and may be evicted.</summary>
    public void RequestEnded() => _table.MarkWaiting(this);

    /// <summary>The connection closed: its slot is free.</summary>
    public void Release() => _table.Release(this);

    /// <summary>Closes the connection (called for a slot that was evicted).</summary>
    public void Abort() => _abort();
}
