namespace Sidecars.Tests.Watcher.StubStatus;

/// <summary>Pages nginx's stub_status really wrote (Debian's nginx 1.22.1; the module's format is the same in 1.27).</summary>
internal static class StubStatusPages
{
    /// <summary>An idle nginx, read with curl: the read itself is the one active, writing connection.</summary>
    public const string Idle =
        "Active connections: 1 \n" +
        "server accepts handled requests\n" +
        " 2 2 2 \n" +
        "Reading: 0 Writing: 1 Waiting: 0 \n";

    /// <summary>The same nginx during <c>wrk -t2 -c20</c>: 20 keep-alive connections between requests.</summary>
    public const string Busy =
        "Active connections: 21 \n" +
        "server accepts handled requests\n" +
        " 92 92 81198 \n" +
        "Reading: 0 Writing: 1 Waiting: 20 \n";

    /// <summary>A page in nginx's layout (format string of ngx_http_stub_status_module.c) with any values.</summary>
    public static string Format(long active, long accepted, long handled, long requests, long reading, long writing, long waiting) =>
        FormattableString.Invariant(
            $"Active connections: {active} \nserver accepts handled requests\n {accepted} {handled} {requests} \nReading: {reading} Writing: {writing} Waiting: {waiting} \n");
}
