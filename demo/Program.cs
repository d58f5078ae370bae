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

// Testcontainers' own log is for debugging the tests, not for people watching the demo.
PodRunner.Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });

Console.WriteLine("demo: building the images (the first time takes a few minutes: package restore and Native AOT) and starting " +
    "pod mc1 (manifests/pods03.yaml) and pod webserver (manifests/pods02.yaml)...");
await using var mc1 = await PodRunner.StartAsync("mc1", RepositoryLayout.PathOf("manifests", "pods03.yaml"));
await using var webserver = await PodRunner.StartAsync("webserver",
    RepositoryLayout.PathOf("manifests", "pods02.yaml"), RepositoryLayout.PathOf("manifests", "nginx-log-format.yaml"));
var page = mc1.Address(80);
var writerMetrics = new Uri(mc1.Address(9146), "/metrics");
var site = webserver.Address(80);
var watcherMetrics = new Uri(webserver.Address(9145), "/metrics");
// Docker's names for the manifest's containers (Testcontainers reports them with a leading '/').
string DockerName(PodRunner pod, string container) => pod.Container(container).Name.TrimStart('/');
Console.WriteLine($"""

    pod mc1: nginx (1st) serves the page the writer (2nd) appends to, once a second.
      the page:          curl {page}
      writer metrics:    curl {writerMetrics}
      containers:        1st = {DockerName(mc1, "1st")}, 2nd = {DockerName(mc1, "2nd")}
      the writer's log:  docker logs -f {DockerName(mc1, "2nd")}
    pod webserver: nginx (webserver) logs to a shared volume, the watcher (webwatcher) turns it into metrics.
      the site:          curl {site}
      watcher metrics:   curl -s {watcherMetrics} | grep ^nginx_http_requests_total
      watcher readiness: curl {new Uri(webserver.Address(9145), "/readyz")}
      containers:        webserver = {DockerName(webserver, "webserver")}, webwatcher = {DockerName(webserver, "webwatcher")}
      the watcher's log: docker logs -f {DockerName(webserver, "webwatcher")}
    Every 5 s the demo requests /, /, /index.html and /missing from the site: the 404s are the /missing ones, on purpose.
    {(duration == Timeout.InfiniteTimeSpan ? "Ctrl-C stops the demo." : string.Create(CultureInfo.InvariantCulture, $"The demo stops by itself after {duration.TotalSeconds:0} s."))}

    """);

// The duration counts from here, once the pods are up (building the images can take minutes).
if (duration != Timeout.InfiniteTimeSpan)
{
    stop.CancelAfter(duration);
}
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
            $"demo: mc1's page has {lines.Length} lines (writer_lines_written_total {written}), the last: {lines.LastOrDefault()}"));

        // A little traffic for the watcher: pages that exist and one that does not.
        foreach (string path in new[] { "/", "/", "/index.html", "/missing" })
        {
            using var response = await http.GetAsync(new Uri(site, path), stop.Token);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(300), stop.Token); // nginx logs after it answers
        string exposition = await http.GetStringAsync(watcherMetrics, stop.Token);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo: webserver answered {Exposition.Value(exposition, "nginx_http_requests_total")} requests so far " +
            $"({Exposition.Value(exposition, "nginx_http_requests_total", "status=\"200\"")} with 200, " +
            $"{Exposition.Value(exposition, "nginx_http_requests_total", "status=\"404\"")} with 404, the deliberate /missing), as the watcher counts them"));
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
