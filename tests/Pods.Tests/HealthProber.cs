using System.Diagnostics;

namespace Sidecars.Tests.Pods;

/// <summary>
/// Probes like a kubelet: a GET on a new connection every 250 ms, failed if not answered 200 within 1 s (or
/// <paramref name="timeout"/>), sent with <paramref name="client"/> when given (say, one that trusts a test CA).
/// </summary>
internal sealed class HealthProber(Uri healthz, HttpClient? client = null, TimeSpan? timeout = null)
{
    private static readonly HttpClient Default = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
    private readonly HttpClient _http = client ?? Default;
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(1);
    private readonly List<(TimeSpan At, double Ms, string? Failure)> _results = [];

    public IReadOnlyList<(TimeSpan At, double Ms, string? Failure)> Results => _results;

    public IEnumerable<string> Failures => _results.Where(r => r.Failure is not null).Select(r => $"at {r.At.TotalSeconds:F1} s: {r.Failure}");

    public double MaxMs => _results.Where(r => r.Failure is null).Select(r => r.Ms).DefaultIfEmpty(0).Max();

    public async Task RunAsync(CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var started = clock.Elapsed;
            using var timeout = new CancellationTokenSource(_timeout);
            string? failure = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, healthz);
                request.Headers.ConnectionClose = true;
                using var response = await _http.SendAsync(request, timeout.Token);
                await response.Content.ReadAsStringAsync(timeout.Token);
                if ((int)response.StatusCode != 200)
                {
                    failure = $"status {(int)response.StatusCode}";
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                failure = e is OperationCanceledException ? $"no answer within {_timeout.TotalSeconds:F0} s" : e.Message;
            }
            var took = clock.Elapsed - started;
            _results.Add((started, took.TotalMilliseconds, failure));
            var wait = TimeSpan.FromMilliseconds(250) - took;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }
}
