namespace Sidecars.Watcher.StubStatus;

/// <summary>
/// One reading of nginx's stub_status page: the connections open at that moment and the totals since
/// nginx started (they restart from zero with nginx).
/// </summary>
/// <param name="Active">Open client connections, idle keep-alive ones included.</param>
/// <param name="Accepted">Client connections accepted since nginx started.</param>
/// <param name="Handled">Accepted connections that got a connection slot (below accepted when nginx ran out of them).</param>
/// <param name="Requests">Client requests since nginx started, on every server, logged or not.</param>
/// <param name="Reading">Connections where nginx reads the request header.</param>
/// <param name="Writing">Connections where nginx works on the request or writes the response (the stub_status read itself is one).</param>
/// <param name="Waiting">Idle keep-alive connections.</param>
internal sealed record StubStatusValues(
    long Active, long Accepted, long Handled, long Requests, long Reading, long Writing, long Waiting);
