namespace Sidecars.Hosting;

/// <summary>
/// The cap on open connections. Every connection holds a <see cref="ConnectionSlot"/>. At the cap a
/// new connection takes the slot of the connection that has waited longest without a request in
/// progress (a slowloris connection still sending its headers, or an idle keep-alive one), so a
/// flood of slow or idle connections cannot lock Prometheus or the kubelet out; only when every
/// connection has a request in progress is the new one refused. Pure bookkeeping: the caller
/// closes the evicted and refused connections.
/// </summary>
internal sealed class ConnectionTable(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<ConnectionSlot> _waiting = new(); // oldest first
    private int _busy;

    /// <summary>The most connections open at once.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>Connections holding a slot now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count + _busy;
            }
        }
    }

    /// <summary>
    /// A slot for a new connection, waiting for its first request; null when every slot has a request
    /// in progress. <paramref name="evicted"/> is the slot taken over, whose connection the caller
    /// must close (its <see cref="ConnectionSlot.Abort"/>).
    /// </summary>
    public ConnectionSlot? Admit(Action abort, out ConnectionSlot? evicted)
    {
        evicted = null;
        lock (_lock)
        {
            if (_waiting.Count + _busy >= Capacity)
            {
                var oldest = _waiting.First;
                if (oldest is null)
                {
                    return null;
                }
                _waiting.Remove(oldest);
                evicted = oldest.Value;
                evicted.State = ConnectionSlot.Gone;
            }
            var slot = new ConnectionSlot(this, abort);
            _waiting.AddLast(slot.Node);
            return slot;
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
            if (slot.State == ConnectionSlot.Waiting)
            {
                _waiting.Remove(slot.Node);
            }
            else if (slot.State == ConnectionSlot.Busy)
            {
                _busy--;
            }
            slot.State = ConnectionSlot.Gone;
        }
    }
}
