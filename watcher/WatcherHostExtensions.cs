using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.StubStatus;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>Registers the watcher on a host made by <see cref="SidecarHost"/>.</summary>
internal static class WatcherHostExtensions
{
    public static HostApplicationBuilder AddWatcher(this HostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<WatcherOptions, WatcherOptionsValidator>(
            builder.Configuration.GetSection(WatcherOptions.Section), static (section, o) => section.Bind(o));
        // The format validation resolved: compiled once, here and everywhere after.
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<WatcherOptions>>().Value.GetLogFormat());
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<WatcherOptions>>().Value;
            return CreateCounting(
                options,
                services.GetRequiredService<LogFormat>(),
                options.SavesState ? new StateStore(options.StateDirectory!) { FlushToDisk = options.StateFsync } : null,
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILoggerFactory>(),
                services.GetRequiredService<HealthState>());
        });
        builder.Services.AddSingleton(services => services.GetRequiredService<LineCounter>().Metrics);
        builder.Services.AddSingleton<IMetricsSource>(services => services.GetRequiredService<WatcherMetrics>());
        // A scrape asks the tailer to read every log to its end first (the endpoint awaits every IScrapeCatchUp).
        builder.Services.AddSingleton<ReadRequests>();
        builder.Services.AddSingleton(services => new ReadOnScrape(
            services.GetRequiredService<ReadRequests>(),
            services.GetRequiredService<IOptions<WatcherOptions>>().Value.CatchUpTimeout,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<Prometheus.IMetricFactory>(),
            services.GetRequiredService<ILogger<ReadOnScrape>>()));
        builder.Services.AddSingleton<IScrapeCatchUp>(services => services.GetRequiredService<ReadOnScrape>());
        // Hosted services start in order, and these two go first: the state folder is tried and its room reserved (a
        // bad one stops the watcher before anything starts), then the saved values are restored before the HTTP
        // endpoint starts, so not even the first scrape after a restart shows counters lower than before it.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, StateDirectoryCheck>());
        builder.Services.Insert(1, ServiceDescriptor.Singleton<IHostedService, StateRestoreService>());
        builder.Services.AddHostedService<WatcherService>();
        // nginx's stub_status (Watcher:StubStatusUrl), read on a timer; its metrics follow the log-based ones.
        builder.Services.AddSingleton(services => new StubStatusPoller(
            StubStatusSettings.From(services.GetRequiredService<IOptions<WatcherOptions>>().Value.StubStatusUrl),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<StubStatusPoller>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<StubStatusPoller>());
        builder.Services.AddSingleton<IMetricsSource, StubStatusMetrics>();
        return builder;
    }

    /// <summary>
    /// The parts that count lines and save and publish the counts, built from the settings (for the host, once
    /// mode, benchmarks and tests alike): the route table, the label dimensions, the layout, the values, the
    /// publisher (saving to <paramref name="store"/> when given) and the counter. Once mode also passes what to do
    /// with the paths no route matches and with the malformed lines.
    /// </summary>
    public static LineCounter CreateCounting(
        WatcherOptions options, LogFormat format, StateStore? store, TimeProvider time, ILoggerFactory loggers, HealthState? health = null,
        RouteTable.PathHandler? onUnmatchedPath = null, LineCounter.MalformedLineHandler? onMalformedLine = null)
    {
        var routes = RouteTable.FromOptions(options.Routes);
        routes.OnUnmatched = onUnmatchedPath;
        var layout = CreateLayout(options, format, routes);
        var metrics = new WatcherMetrics(layout);
        var publisher = new StatePublisher(metrics, store, time, loggers.CreateLogger<StatePublisher>(), health);
        // The values the labels and the exclude rules read, captured by the parser: the labels' first.
        List<string> captured = [.. RequestLabels.CapturedVariables(options.Labels)];
        int userAgent = -1;
        if (LineFilter.NeedsUserAgent(options.Exclude))
        {
            userAgent = captured.Count;
            captured.Add("http_user_agent");
        }
        var capturing = captured.Count == 0 ? format : format.WithCaptures(captured);
        return new LineCounter(capturing, metrics, new RequestLabels(layout, routes, options.StatusClasses), publisher, time, loggers.CreateLogger<LineCounter>())
        {
            Filter = new LineFilter(options.Exclude, userAgent),
            OnMalformedLine = onMalformedLine,
        };
    }

    public static MetricsLayout CreateLayout(WatcherOptions options, LogFormat format, RouteTable? routes = null) => new(
        RequestLabels.Dimensions(routes ?? RouteTable.FromOptions(options.Routes), options.StatusClasses, options.Labels,
            severalLogs: options.SeveralLogs ? options.MaxLogs : 0),
        options.EffectiveDurationBuckets,
        options.EffectiveSizeBuckets,
        options.MaxLabelSets,
        FormatFeatures.Of(format))
    {
        NativeHistogramSchema = options.NativeHistograms > 0 ? NativeSchema.ForBucketFactor(options.NativeHistograms) : null,
    };
}
