using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sidecars.Testing;
using Sidecars.Watcher.StubStatus;

namespace Sidecars.Tests.Watcher.StubStatus;

/// <summary>
/// The stub_status reader against a stand-in server: values while it answers, <c>nginx_up 0</c> and a throttled
/// log line while it does not, and a scrape that never waits for it.
/// </summary>
public sealed class StubStatusPollerTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordedLog<StubStatusPoller> _log = new();
    private readonly List<IAsyncDisposable> _owned = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private FakeStubStatusServer Server(byte[]? response)
    {
        var server = new FakeStubStatusServer(response);
        _owned.Add(server);
        return server;
    }

    private StubStatusPoller Poller(Uri? url, TimeProvider? time = null, TimeSpan? timeout = null)
    {
        var poller = new StubStatusPoller(
            new StubStatusSettings(url, StubStatusSettings.DefaultInterval, timeout ?? StubStatusSettings.DefaultTimeout),
            time ?? _time, _log);
        _owned.Add(new Owned(poller));
        return poller;
    }

    private static string Scrape(StubStatusPoller poller)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        new StubStatusMetrics(poller).WriteTo(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>A URL where nothing listens: nginx not started yet, or gone.</summary>
    private static Uri Nothing => new($"http://127.0.0.1:{Ports.Free()}/stub_status");

    [Fact]
    public async Task Page_that_answers_gives_its_values_and_nginx_up_1()
    {
        var server = Server(FakeStubStatusServer.Ok(StubStatusPages.Busy));
        var poller = Poller(server.Url);

        await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal(new StubStatusValues(21, 92, 92, 81198, 0, 1, 20), poller.Latest);
        string text = Scrape(poller);
        Assert.Equal(1, Exposition.Value(text, "nginx_up"));
        Assert.Equal(92, Exposition.Value(text, "nginx_connections_accepted"));
        Assert.Equal(81198, Exposition.Value(text, "nginx_stub_status_requests_total"));
        Assert.Empty(_log.At(LogLevel.Warning));
    }

    [Fact]
    public async Task Stub_status_that_is_down_gives_nginx_up_0_and_one_log_line_a_minute()
    {
        // Given nothing listening where the page should be
        var poller = Poller(Nothing);

        // When it is read three times within a minute, then once more a minute later
        for (int i = 0; i < 3; i++)
        {
            await poller.PollOnceAsync(CancellationToken.None);
            _time.Advance(StubStatusSettings.DefaultInterval);
        }
        Assert.Equal("# HELP nginx_up 1 when the last read of nginx's stub_status succeeded, 0 when it failed or none was made yet.\n"
            + "# TYPE nginx_up gauge\nnginx_up 0\n", Scrape(poller));
        _time.Advance(TimeSpan.FromMinutes(1));
        await poller.PollOnceAsync(CancellationToken.None);

        // Then /metrics says nginx_up 0 and nothing else, and the log has two lines, the second counting the reads held back
        Assert.Null(poller.Latest);
        var warnings = _log.At(LogLevel.Warning);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("cannot be read: connection failed (ConnectionRefused); nginx_up is 0 until it can (0 more", warnings[0], StringComparison.Ordinal);
        Assert.Contains("(2 more failed reads since the last message)", warnings[1], StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], string> BadAnswers => new()
    {
        { "not found", FakeStubStatusServer.Answer("404 Not Found", "<html>404</html>"u8.ToArray()), "cannot be read: HTTP 404;" },
        { "a redirect", FakeStubStatusServer.Answer("301 Moved Permanently", []), "cannot be read: HTTP 301;" },
        { "the default page", FakeStubStatusServer.Ok("<html><body>Welcome to nginx!</body></html>\n"), "not a stub_status page: expected \"Active\" at byte 0" },
        { "garbage bytes", FakeStubStatusServer.Ok("\0\u0001\u00ff Active connections:"), "not a stub_status page: expected \"Active\" at byte 0, found \"\\x00\\x01" },
        { "a huge page with its length", FakeStubStatusServer.Ok(new string('x', 1 << 20)), "a response of 1048576 bytes, more than a stub_status page" },
        { "a huge page without a length", FakeStubStatusServer.Ok(StubStatusPages.Busy + new string('x', 1 << 20), withLength: false), "a response of more than 4096 bytes" },
        { "a body cut short", [.. FakeStubStatusServer.Ok(StubStatusPages.Busy)[..^20]], "cannot be read: the connection broke while the response was read;" },
        { "not HTTP at all", "SSH-2.0-OpenSSH_9.2\r\n\r\n"u8.ToArray(), "cannot be read: not a valid HTTP response;" },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task Bad_answer_gives_nginx_up_0_and_says_what_was_wrong(string what, byte[] answer, string logged)
    {
        var server = Server(answer);
        var poller = Poller(server.Url);

        await poller.PollOnceAsync(CancellationToken.None);

        Assert.True(poller.Latest is null, what);
        Assert.Equal(0, Exposition.Value(Scrape(poller), "nginx_up"));
        Assert.DoesNotContain("nginx_connections", Scrape(poller), StringComparison.Ordinal);
        Assert.Contains(logged, Assert.Single(_log.At(LogLevel.Warning)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_vanish_when_nginx_goes_and_return_with_one_line_when_it_answers_again()
    {
        var server = Server(FakeStubStatusServer.Ok(StubStatusPages.Idle));
        var poller = Poller(server.Url);
        await poller.PollOnceAsync(CancellationToken.None);
        Assert.NotNull(poller.Latest);

        // nginx goes: no stale values
        server.Response = FakeStubStatusServer.Answer("502 Bad Gateway", []);
        await poller.PollOnceAsync(CancellationToken.None);
        await poller.PollOnceAsync(CancellationToken.None);
        Assert.Null(poller.Latest);
        Assert.DoesNotContain("nginx_connections_active", Scrape(poller), StringComparison.Ordinal);

        // and comes back
        server.Response = FakeStubStatusServer.Ok(StubStatusPages.Busy);
        await poller.PollOnceAsync(CancellationToken.None);
        Assert.Equal(21, poller.Latest?.Active);
        Assert.Equal(1, Exposition.Value(Scrape(poller), "nginx_up"));
        Assert.Contains("answers again, after 2 failed reads", Assert.Single(_log.At(LogLevel.Information)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_does_not_wait_for_a_read_that_hangs()
    {
        // Given a page that accepts the request and never answers, and a read in flight with a long timeout
        var server = Server(response: null);
        var poller = Poller(server.Url, TimeProvider.System, timeout: TimeSpan.FromMinutes(5));
        var reading = poller.PollOnceAsync(CancellationToken.None);
        await Eventually.Holds(() => server.Requests == 1, TimeSpan.FromSeconds(10), "the request to arrive");

        // When /metrics is scraped
        string text = Scrape(poller);

        // Then it answers at once, from what is known, while the read still waits
        Assert.Equal(0, Exposition.Value(text, "nginx_up"));
        Assert.False(reading.IsCompleted);
    }

    [Fact]
    public async Task Read_that_hangs_ends_at_the_timeout_with_nginx_up_0()
    {
        var server = Server(response: null);
        var poller = Poller(server.Url, TimeProvider.System, timeout: TimeSpan.FromMilliseconds(300));

        var watch = Stopwatch.StartNew();
        await poller.PollOnceAsync(CancellationToken.None);

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        Assert.Null(poller.Latest);
        Assert.Contains("cannot be read: no complete answer within 0.3 s", Assert.Single(_log.At(LogLevel.Warning)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_that_trickles_ends_at_the_timeout_too()
    {
        // Headers, then nothing: the timeout covers the whole read, not only the connection.
        byte[] headersOnly = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nActive");
        var server = Server(headersOnly);
        var poller = Poller(server.Url, TimeProvider.System, timeout: TimeSpan.FromMilliseconds(300));

        var watch = Stopwatch.StartNew();
        await poller.PollOnceAsync(CancellationToken.None);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Null(poller.Latest);
        Assert.Single(_log.At(LogLevel.Warning));
    }

    [Fact]
    public async Task Page_is_read_at_start_and_then_once_per_interval()
    {
        var server = Server(FakeStubStatusServer.Ok(StubStatusPages.Idle));
        var poller = Poller(server.Url);

        await poller.StartAsync(CancellationToken.None);
        await Eventually.Holds(() => poller.Latest is not null, TimeSpan.FromSeconds(10), "the first read");
        Assert.Equal(1, server.Requests);
        Assert.Contains("Reading nginx's stub_status at " + server.Url + " every 5 s (timeout 2 s)", _log.At(LogLevel.Information));

        _time.Advance(StubStatusSettings.DefaultInterval);
        await Eventually.Holds(() => server.Requests == 2, TimeSpan.FromSeconds(10), "the second read, one interval later");
        await poller.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Without_a_url_nothing_is_read_or_exported()
    {
        var poller = Poller(url: null);

        await poller.StartAsync(CancellationToken.None);
        await poller.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        await poller.PollOnceAsync(CancellationToken.None);

        Assert.False(poller.Enabled);
        Assert.Equal("", Scrape(poller));
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task Stopping_the_host_ends_a_read_in_flight()
    {
        var server = Server(response: null);
        var poller = Poller(server.Url, TimeProvider.System, timeout: TimeSpan.FromMinutes(5));
        await poller.StartAsync(CancellationToken.None);
        await Eventually.Holds(() => server.Requests == 1, TimeSpan.FromSeconds(10), "the request to arrive");

        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await poller.StopAsync(within.Token);

        Assert.True(poller.ExecuteTask?.IsCompletedSuccessfully);
        Assert.Empty(_log.At(LogLevel.Warning));
    }

    private sealed class Owned(IDisposable disposable) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            disposable.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
