using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Sidecars.Hosting;

/// <summary>Registers the HTTP endpoint and its parts on a sidecar's host, once for both services.</summary>
internal static class HttpEndpointRegistration
{
    public static void AddHttpEndpoint(this HostApplicationBuilder builder, string serviceName, int defaultPort)
    {
        var services = builder.Services;
        services.AddValidatedOptions<HttpOptions, HttpOptionsValidator>(
            builder.Configuration.GetSection(HttpOptions.Section),
            (section, o) =>
            {
                o.Port = defaultPort;
                section.Bind(o);
            });

        new KestrelServices(services).UseKestrelCore();
        // What a web host would add for Kestrel: its diagnostic events (nobody listens here).
        var diagnostics = new DiagnosticListener("Microsoft.AspNetCore");
        services.TryAddSingleton(diagnostics);
        services.TryAddSingleton<DiagnosticSource>(diagnostics);
        services.Configure<SocketTransportOptions>(HttpLimits.Apply);
        services.AddSingleton(s =>
        {
            bool tls = s.GetRequiredService<EndpointSecurity>().Certificates is not null;
            int cap = HttpLimits.ConnectionCapFor(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, tls);
            return new ConnectionTable(cap, HttpLimits.HandshakeCapFor(cap));
        });
        services.AddSingleton<IMetricsSource>(_ => new ProcessMetrics());
        services.AddSingleton(s => new ExpositionCache(
            s.GetRequiredService<CollectorRegistry>(), s.GetServices<IMetricsSource>(), s.GetRequiredService<TimeProvider>()));
        services.AddSingleton(s => EndpointSecurity.Create(
            s.GetRequiredService<IOptions<HttpOptions>>().Value.WebConfigFile,
            s.GetRequiredService<TimeProvider>(),
            s.GetRequiredService<ILoggerFactory>().CreateLogger<HttpEndpoint>()));
        services.AddSingleton(s => new EndpointApplication(
            serviceName,
            s.GetRequiredService<HealthState>(),
            s.GetRequiredService<ExpositionCache>(),
            s.GetRequiredService<EndpointSecurity>(),
            s.GetRequiredService<ILoggerFactory>().CreateLogger<EndpointApplication>(),
            s.GetServices<IScrapeCatchUp>()));
        services.AddHostedService<HttpEndpoint>();
        services.AddHostedService<ProbeListener>();
    }

    /// <summary>
    /// Just enough of an <see cref="IWebHostBuilder"/> for ASP.NET Core's own <c>UseKestrelCore()</c>
    /// to register Kestrel's services into the sidecar's generic host, so Kestrel (and its TLS
    /// middleware) is built the supported way, without a second host, a WebApplication, routing or
    /// middleware. Anything else a future Kestrel might ask of the builder fails loudly at start.
    /// </summary>
    private sealed class KestrelServices(IServiceCollection services) : IWebHostBuilder
    {
        private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);

        public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configureServices)
        {
            configureServices(services);
            return this;
        }

        public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configureServices) =>
            throw new NotSupportedException("Kestrel asked for a web host context; the sidecar hosts Kestrel in a generic host");

        public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, IConfigurationBuilder> configureDelegate) =>
            throw new NotSupportedException("Kestrel asked for app configuration; the sidecar hosts Kestrel in a generic host");

#pragma warning disable ASPDEPR008 // IWebHost is obsolete, but still part of the interface
        public IWebHost Build() => throw new NotSupportedException("not a web host");
#pragma warning restore ASPDEPR008

        public string? GetSetting(string key) => _settings.GetValueOrDefault(key);

        public IWebHostBuilder UseSetting(string key, string? value)
        {
            _settings[key] = value;
            return this;
        }
    }
}
