using System.Globalization;
using Io.Prometheus.Client;
using Sidecars.Testing;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>The built watcher with native histograms: their buckets are saved with the state and survive a SIGKILL exactly.</summary>
[Collection(WatcherProcess.Collection)]
public sealed class NativeHistogramRestartTests : IDisposable
{
    private const string ProtobufAccept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TempFolder _folder = new("watcher-native");
    private readonly string _log;
    private readonly string _state;
    private readonly Random _random = new(22);

    public NativeHistogramRestartTests()
    {
        _log = _folder.File("access.log");
        _state = Path.Combine(_folder.Path, "state");
        Directory.CreateDirectory(_state);
    }

    public void Dispose() => _folder.Dispose();

    private string[] Args() =>
        [$"--Watcher:Path={_log}", $"--Watcher:StateDirectory={_state}", $"--Watcher:Format={TestLines.TimedFormat}", "--Watcher:NativeHistograms=1.1"];

    private void Append(int lines)
    {
        using var writer = File.AppendText(_log);
        for (int i = 0; i < lines; i++)
        {
            double seconds = 0.08 * Math.Exp(_random.NextDouble() * 4 - 2);
            writer.Write(TestLines.Timed("GET", "/", 200, 100, seconds.ToString("0.000", CultureInfo.InvariantCulture)) + "\n");
        }
    }

    [Fact]
    public async Task A_SIGKILL_and_a_restart_keep_the_native_histogram_bucket_for_bucket()
    {
        // Given a watcher with native histograms and a state folder that counted 300 requests
        Append(300);
        var first = WatcherProcess.Start(Args());
        var before = await DurationAsync(first, 300);
        Assert.Equal(3, before.Schema);
        Assert.NotEmpty(before.PositiveSpan);

        // When it is killed (nothing saved on the way out) and started again
        await first.KillAsync();
        await first.DisposeAsync();
        await using var second = WatcherProcess.Start(Args());

        // Then the native histogram is back as it was: schema, zero bucket, spans and deltas
        var after = await DurationAsync(second, 300);
        Assert.Equal(before, after);

        // And it goes on counting from there
        Append(50);
        var more = await DurationAsync(second, 350);
        Assert.Equal(350UL, more.SampleCount);
        Assert.Equal(350L, Buckets(more).Values.Sum() + (long)more.ZeroCount);
        Assert.All(Buckets(before), b => Assert.True(Buckets(more).GetValueOrDefault(b.Key) >= b.Value));
    }

    /// <summary>The request duration histogram of a protobuf scrape, once it holds <paramref name="count"/> observations.</summary>
    private static async Task<Histogram> DurationAsync(WatcherProcess watcher, ulong count)
    {
        Histogram? histogram = null;
        await Eventually.Holds(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{watcher.Port}/metrics");
            request.Headers.TryAddWithoutValidation("Accept", ProtobufAccept);
            using var response = await Http.SendAsync(request);
            var families = ProtobufSamples.Decode(await response.Content.ReadAsByteArrayAsync());
            histogram = families.SingleOrDefault(f => f.Name == "nginx_http_request_duration_seconds")?.Metric.Single().Histogram;
            return histogram?.SampleCount == count;
        }, Within, $"{count} durations; stderr: {watcher.Stderr}");
        return histogram!;
    }

    private static Dictionary<int, long> Buckets(Histogram histogram)
    {
        var buckets = new Dictionary<int, long>();
        int index = 0, delta = 0;
        long count = 0;
        foreach (var span in histogram.PositiveSpan)
        {
            index += span.Offset;
            for (int i = 0; i < span.Length; i++, index++)
            {
                count += histogram.PositiveDelta[delta++];
                buckets[index] = count;
            }
        }
        return buckets;
    }
}
