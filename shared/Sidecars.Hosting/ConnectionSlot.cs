namespace Sidecars.Hosting;

/// <summary>
/// One connection's place in the <see cref="ConnectionTable"/>: waiting (for a request, for the rest of its
/// headers, or in its TLS handshake) or busy (a request in progress), until it closes, or is evicted and then
/// closing until its connection has ended. The state changes under the table's lock.
/// </summary>
internal sealed class ConnectionSlot
{
    internal const int Waiting = 0;
    internal const int Busy = 1;
    internal const int Closing = 2; // evicted, not yet ended
    internal const int Gone = 3;

    internal const int NoHandshake = 0;
    internal const int AwaitingHello = 1;
    internal const int Negotiating = 2;

    private readonly ConnectionTable _table;
    private readonly Action _abort;

    internal ConnectionSlot(ConnectionTable table, Action abort)
    {
        _table = table;
        _abort = abort;
        Node = new LinkedListNode<ConnectionSlot>(this);
        HandshakeNode = new LinkedListNode<ConnectionSlot>(this);
    }

    internal LinkedListNode<ConnectionSlot> Node { get; }

    internal LinkedListNode<ConnectionSlot> HandshakeNode { get; }

    internal int State { get; set; } = Waiting;

    internal int Handshake { get; set; } = NoHandshake;

    /// <summary>
    /// The ClientHello arrived: true when the handshake may go on (now counted against the handshake cap), false
    /// when the connection must be closed instead (it was evicted meanwhile, or there is no room).
    /// <paramref name="evicted"/> is a handshake that gave way for it, to be closed like one evicted at admission.
    /// </summary>
    public bool HelloReceived(out ConnectionSlot? evicted) => _table.MarkHelloReceived(this, out evicted);

    /// <summary>The TLS handshake finished: the connection waits for its first request like any other.</summary>
    public void HandshakeDone() => _table.MarkHandshakeDone(this);

    /// <summary>A request started: the connection cannot be evicted until it ends.</summary>
    public void RequestStarted() => _table.MarkBusy(this);

    /// <summary>The request ended: the connection waits for the next one and may be evicted.</summary>
    public void RequestEnded() => _table.MarkWaiting(this);

    /// <summary>The connection ended (closed, or evicted and since ended): its slot is free.</summary>
    public void Release() => _table.Release(this);

    /// <summary>Closes the connection (called for a slot that was evicted).</summary>
    public void Abort() => _abort();
}
