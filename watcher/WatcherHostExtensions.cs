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

namespace Sidecars.Watcher;

/// <summary>Registers the watcher on a host made by <see cref="SidecarHost"/>.</summary>
internal static class WatcherHostExtensions
{
    public static HostApplicationBuilder AddWatcher(this HostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<WatcherOptions>, WatcherOptionsValidator>();
        builder.Services.AddOptions<WatcherOptions>()
            .Bind(builder.Configuration.GetSection(WatcherOptions.Section))
            .ValidateOnStart();
        // Resolved after the options were validated, so the format compiles.
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<WatcherOptions>>().Value.ResolveFormat());
        builder.Services.AddSingleton(services => new WatcherMetrics(CreateLayout(
            services.GetRequiredService<IOptions<WatcherOptions>>().Value, services.GetRequiredService<LogFormat>())));
        // The endpoint gets the metrics only after the saved values were restored into them, so
        // not even the first scrape after a restart can show counters lower than before it.
        builder.Services.AddSingleton<IMetricsSource>(services =>
        {
            services.GetRequiredService<AccessLogProcessor>().Restore();
            return services.GetRequiredService<WatcherMetrics>();
        });
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<WatcherOptions>>().Value;
            return new AccessLogProcessor(
                services.GetRequiredService<LogFormat>(),
                services.GetRequiredService<WatcherMetrics>(),
                options.SavesState ? new StateStore(options.StateDirectory!) { FlushToDisk = options.StateFsync } : null,
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILoggerFactory>().CreateLogger<AccessLogProcessor>(),
                services.GetRequiredService<HealthState>());
        });
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

    public static MetricsLayout CreateLayout(WatcherOptions options, LogFormat format) => new(
        RouteTable.FromOptions(options.Routes),
        options.EffectiveDurationBuckets,
        options.EffectiveSizeBuckets,
        options.MaxLabelSets,
        FormatFeatures.Of(format));
}
