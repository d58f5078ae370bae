namespace Sidecars.Hosting;

/// <summary>
/// The cap on open connections, and on TLS handshakes under way among them. Every connection holds a
/// <see cref="ConnectionSlot"/>. At the cap a new connection takes the slot of the oldest TLS connection still
/// waiting for its ClientHello, or else of the connection that has waited longest without a request in progress
/// (a slowloris connection still sending its headers, an idle keep-alive one, one in its handshake), so a flood of
/// stalled, slow or idle connections cannot lock Prometheus or the kubelet out; only when every connection has a
/// request in progress is the new one refused. A TLS connection whose ClientHello has arrived starts its handshake,
/// which holds far more memory than a waiting connection (SslStream's buffers, then OpenSSL's state): at the
/// handshake cap it takes the slot of the oldest handshake under way. Pure bookkeeping: the caller closes the
/// evicted and refused connections.
/// </summary>
/// <remarks>
/// A connection closed for a newer one still holds its buffers until it has ended, which takes the process a
/// moment, and longer when its CPU is throttled. So that a flood faster than the process can end connections
/// cannot outrun the memory the caps stand for, such connections are counted until they end, and while
/// <see cref="MaxClosing"/> of them have not, a new connection at a cap is refused instead (before it holds anything).
/// </remarks>
internal sealed class ConnectionTable
{
    private readonly Lock _lock = new();
    private readonly LinkedList<ConnectionSlot> _waiting = new(); // oldest first; every open slot without a request in progress
    private readonly LinkedList<ConnectionSlot> _awaitingHello = new(); // oldest first
    private readonly LinkedList<ConnectionSlot> _negotiating = new(); // oldest first
    private int _busy;
    private int _closing;

    /// <summary>
    /// A table for <paramref name="capacity"/> connections, at most <paramref name="maxHandshakes"/> of them in a TLS
    /// handshake (default: any) and a quarter of <paramref name="capacity"/> closed for newer ones but not yet ended.
    /// </summary>
    public ConnectionTable(int capacity, int? maxHandshakes = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        MaxHandshakes = maxHandshakes ?? capacity;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxHandshakes, nameof(maxHandshakes));
        MaxClosing = Math.Max(1, capacity / 4);
    }

    /// <summary>The most connections open at once (not counting those closed for newer ones).</summary>
    public int Capacity { get; }

    /// <summary>The most TLS handshakes under way (the ClientHello received) at once.</summary>
    public int MaxHandshakes { get; }

    /// <summary>The most connections closed for newer ones that may not have ended yet.</summary>
    public int MaxClosing { get; }

    /// <summary>Connections open now (not counting those closed for newer ones).</summary>
    public int Count => Read(() => _waiting.Count + _busy);

    /// <summary>TLS connections waiting for their ClientHello now.</summary>
    public int AwaitingHello => Read(() => _awaitingHello.Count);

    /// <summary>TLS handshakes under way now.</summary>
    public int Handshakes => Read(() => _negotiating.Count);

    /// <summary>Connections closed for newer ones that have not ended yet.</summary>
    public int Closing => Read(() => _closing);

    /// <summary>A slot for a new plain connection: <see cref="Admit(Action, bool, out ConnectionSlot?)"/> without TLS.</summary>
    public ConnectionSlot? Admit(Action abort, out ConnectionSlot? evicted) => Admit(abort, tls: false, out evicted);

    /// <summary>
    /// A slot for a new connection, waiting for its first request (or, with <paramref name="tls"/>, for its
    /// ClientHello); null when there is no room: every slot has a request in progress, or too many connections
    /// closed for newer ones have not ended yet. <paramref name="evicted"/> is the slot taken over, whose
    /// connection the caller must close (its <see cref="ConnectionSlot.Abort"/>) and release once it has ended.
    /// </summary>
    public ConnectionSlot? Admit(Action abort, bool tls, out ConnectionSlot? evicted)
    {
        evicted = null;
        lock (_lock)
        {
            if (_waiting.Count + _busy >= Capacity)
            {
                var oldest = _awaitingHello.First ?? _waiting.First;
                if (oldest is null || _closing >= MaxClosing)
                {
                    return null;
                }
                evicted = oldest.Value;
                Evict(evicted);
            }
            var slot = new ConnectionSlot(this, abort);
            _waiting.AddLast(slot.Node);
            if (tls)
            {
                _awaitingHello.AddLast(slot.HandshakeNode);
                slot.Handshake = ConnectionSlot.AwaitingHello;
            }
            return slot;
        }
    }

    internal bool MarkHelloReceived(ConnectionSlot slot, out ConnectionSlot? evicted)
    {
        evicted = null;
        lock (_lock)
        {
            if (slot.Handshake != ConnectionSlot.AwaitingHello)
            {
                return false; // evicted meanwhile
            }
            if (_negotiating.Count >= MaxHandshakes)
            {
                if (_closing >= MaxClosing)
                {
                    return false;
                }
                evicted = _negotiating.First!.Value;
                Evict(evicted);
            }
            _awaitingHello.Remove(slot.HandshakeNode);
            _negotiating.AddLast(slot.HandshakeNode);
            slot.Handshake = ConnectionSlot.Negotiating;
            return true;
        }
    }

    internal void MarkHandshakeDone(ConnectionSlot slot)
    {
        lock (_lock)
        {
            LeaveHandshake(slot);
        }
    }

    internal void MarkBusy(ConnectionSlot slot)
    {
        lock (_lock)
        {
            if (slot.State == ConnectionSlot.Waiting)
            {
                _waiting.Remove(slot.Node);
                slot.State = ConnectionSlot.Busy;
                _busy++;
            }
        }
    }

    internal void MarkWaiting(ConnectionSlot slot)
    {
        lock (_lock)
        {
            if (slot.State == ConnectionSlot.Busy)
            {
                _busy--;
                _waiting.AddLast(slot.Node);
                slot.State = ConnectionSlot.Waiting;
            }
        }
    }

    internal void Release(ConnectionSlot slot)
    {
        lock (_lock)
        {
            switch (slot.State)
            {
                case ConnectionSlot.Waiting:
                    _waiting.Remove(slot.Node);
                    break;
                case ConnectionSlot.Busy:
                    _busy--;
                    break;
                case ConnectionSlot.Closing:
                    _closing--;
                    break;
            }
            LeaveHandshake(slot);
            slot.State = ConnectionSlot.Gone;
        }
    }

    // Under _lock: only an open slot without a request in progress is ever evicted.
    private void Evict(ConnectionSlot slot)
    {
        _waiting.Remove(slot.Node);
        LeaveHandshake(slot);
        slot.State = ConnectionSlot.Closing;
        _closing++;
    }

    // Under _lock.
    private void LeaveHandshake(ConnectionSlot slot)
    {
        if (slot.Handshake == ConnectionSlot.AwaitingHello)
        {
            _awaitingHello.Remove(slot.HandshakeNode);
        }
        else if (slot.Handshake == ConnectionSlot.Negotiating)
        {
            _negotiating.Remove(slot.HandshakeNode);
        }
        slot.Handshake = ConnectionSlot.NoHandshake;
    }

    private int Read(Func<int> count)
    {
        lock (_lock)
        {
            return count();
        }
    }
}
