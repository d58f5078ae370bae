using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Sidecars.Hosting;

/// <summary>
/// Creates and runs a sidecar's generic host the same way for every service: configuration from
/// <c>appsettings.json</c>, environment (<c>Section__Key</c>) and command line (<c>--Section:Key=value</c>);
/// Serilog to the console configured in code; the HTTP endpoint; a prometheus-net registry with
/// <c>{service}_build_info</c>; and one clear line with exit code 2 for a bad setting.
/// </summary>
public static class SidecarHost
{
    /// <summary>Exit code for a bad setting.</summary>
    public const int ConfigurationErrorExitCode = 2;

    /// <summary>
    /// A host builder with the shared parts registered. <paramref name="logToStandardError"/> sends
    /// every log line to stderr (for modes whose stdout is data).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(
        string serviceName, string[] args, int defaultHttpPort, bool logToStandardError = false)
    {
        HttpLimits.PreferInlineSocketCompletions();
        var configuration = new ConfigurationManager();
        // Nothing reloads at run time: no file watchers on a read-only root filesystem.
        configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            Configuration = configuration,
            ApplicationName = serviceName,
        });

        var logOptions = new LogOptions();
        builder.Configuration.GetSection(LogOptions.Section).Bind(logOptions);
        Serilog.Log.Logger = CreateLogger(logOptions, logToStandardError);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(dispose: true);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.TryAddTimeProvider();
        builder.Services.AddSingleton<HealthState>();

        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton<IMetricFactory>(factory);
        BuildInfo.Register(factory, serviceName);

        builder.AddHttpEndpoint(serviceName, defaultHttpPort);
        return builder;
    }

    /// <summary>
    /// Creates the builder, lets the service add its parts, then runs the host until SIGTERM, SIGINT or
    /// SIGQUIT, caught from the start (a signal while the host starts stops it once started). SIGHUP reads
    /// the TLS files again; SIGUSR1, SIGUSR2 and SIGALRM are logged and ignored.
    /// Returns 0 after a clean shutdown and <see cref="ConfigurationErrorExitCode"/> after printing
    /// one line for a bad setting (before anything else starts).
    /// </summary>
    public static async Task<int> RunAsync(
        string serviceName, string[] args, int defaultHttpPort, Action<HostApplicationBuilder> configure,
        bool logToStandardError = false)
    {
        using var signals = new ShutdownSignals();
        using var otherSignals = new NonStopSignals();
        try
        {
            var builder = CreateBuilder(serviceName, args, defaultHttpPort, logToStandardError);
            builder.Services.AddSingleton<IHostLifetime>(signals);
            configure(builder);
            using var host = builder.Build();
            // Validate every option before the host starts, so a bad setting is one line and nothing else.
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            signals.StopWhenStarted(host.Services.GetRequiredService<IHostApplicationLifetime>(),
                host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ShutdownSignals>());
            otherSignals.HandleWhenStarted(host.Services);
            await host.StartAsync().ConfigureAwait(false);
            await host.WaitForShutdownAsync().ConfigureAwait(false);
            return Environment.ExitCode;
        }
        catch (Exception e) when (DescribeConfigurationError(e) is { } line)
        {
            // Plain stderr, whatever the log format: the logger may not exist yet, or be disposed with the host.
            await Console.Error.WriteLineAsync($"{serviceName}: configuration error: {line}").ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }
        finally
        {
            await Serilog.Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The one line that describes a bad setting, or null if the exception is not about settings.</summary>
    public static string? DescribeConfigurationError(Exception e) => e switch
    {
        ConfigurationException c => c.Message,
        OptionsValidationException o => string.Join("; ", o.Failures),
        // The configuration binder: "Failed to convert configuration value 'x' at 'Http:Port' to type 'System.Int32'.".
        InvalidOperationException i when i.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => NotConvertible(i.Message),
        AggregateException a when a.InnerExceptions.Count == 1 => DescribeConfigurationError(a.InnerExceptions[0]),
        _ when e.InnerException is not null && e is not OperationCanceledException => DescribeConfigurationError(e.InnerException),
        _ => null,
    };

    /// <summary>The binder's message in the settings' words: the setting, the value, what it takes; no .NET type name.</summary>
    internal static string NotConvertible(string binderMessage)
    {
        var match = System.Text.RegularExpressions.Regex.Match(
            binderMessage, "^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.Singleline);
        if (!match.Success)
        {
            return binderMessage;
        }
        string wanted = match.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => Durations.Syntax,
            var t when t.StartsWith("System.Nullable", StringComparison.Ordinal) => "a value of the setting's kind, or empty",
            _ => "a value of the setting's kind",
        };
        return $"{match.Groups["key"].Value}: \"{match.Groups["value"].Value}\" is not {wanted}";
    }

    /// <summary>A Serilog logger from the <c>Log</c> settings; throws <see cref="ConfigurationException"/> for bad ones.</summary>
    public static Serilog.ILogger CreateLogger(LogOptions options, bool toStandardError)
    {
        if (!Enum.TryParse<LogEventLevel>(options.Level, ignoreCase: true, out var level) || !Enum.IsDefined(level))
        {
            throw new ConfigurationException(
                $"Log:Level must be one of Verbose, Debug, Information, Warning, Error, Fatal (got \"{options.Level}\")");
        }
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // A bad setting is reported once, by RunAsync; the host's own "failed to start" dump would repeat it.
            .Filter.ByExcluding(e => e.Exception is not null && DescribeConfigurationError(e.Exception) is not null);
        LogEventLevel? stderrFrom = toStandardError ? LogEventLevel.Verbose : null;
        config = options.Format.ToLowerInvariant() switch
        {
            "text" => config.WriteTo.Console(
                outputTemplate: "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: stderrFrom,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture),
            "json" => config.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: stderrFrom),
            _ => throw new ConfigurationException($"Log:Format must be \"text\" or \"json\" (got \"{options.Format}\")"),
        };
        return config.CreateLogger();
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>The runtime description for build info and start lines, e.g. ".NET 10.0.0 linux-x64".</summary>
    public static string RuntimeDescription => $"{RuntimeInformation.FrameworkDescription} {RuntimeInformation.RuntimeIdentifier}";
}
