using System.Globalization;
using Sidecars.Testing;

// Runs the lesson's pods with the sidecars, as the manifests describe them, until Ctrl-C or the
// given duration (e.g. `60s`, `5m`), then removes every container and volume it made.
var duration = args.Length > 0 ? ParseDuration(args[0]) : Timeout.InfiniteTimeSpan;
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
if (duration != Timeout.InfiniteTimeSpan)
{
    stop.CancelAfter(duration);
}

Console.WriteLine("demo: building the images and starting pod mc1 (manifests/pods03.yaml)...");
await using var mc1 = await PodRunner.StartAsync("mc1", RepositoryLayout.PathOf("manifests", "pods03.yaml"));
var page = mc1.Address(80);
var writerMetrics = new Uri(mc1.Address(9146), "/metrics");
Console.WriteLine($"""

    pod mc1 is running: nginx (1st) serves the page the writer (2nd) appends to, once a second.
      the page:        curl {page}
      writer metrics:  curl {writerMetrics}
      writer health:   curl {new Uri(mc1.Address(9146), "/readyz")}
    {(duration == Timeout.InfiniteTimeSpan ? "Ctrl-C stops the demo." : $"The demo stops by itself after {duration}.")}

    """);

using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
try
{
    while (!stop.IsCancellationRequested)
    {
        await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
        string body = await http.GetStringAsync(page, stop.Token);
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        double written = Exposition.Value(await http.GetStringAsync(writerMetrics, stop.Token), "writer_lines_written_total");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo: the page has {lines.Length} lines (writer_lines_written_total {written}), the last: {lines.LastOrDefault()}"));
    }
}
catch (OperationCanceledException)
{
}
Console.WriteLine("demo: stopping and removing the pods");
return 0;

static TimeSpan ParseDuration(string text)
{
    char unit = text[^1];
    double value = double.Parse(char.IsDigit(unit) ? text : text[..^1], CultureInfo.InvariantCulture);
    return unit switch
    {
        'm' => TimeSpan.FromMinutes(value),
        'h' => TimeSpan.FromHours(value),
        _ => TimeSpan.FromSeconds(value),
    };
}
