using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher;

/// <summary>
/// <c>watcher --once FILE [--Watcher:Format=...]</c>: reads FILE to its end as fast as it can with the
/// same processor (nothing saved), prints the exposition on stdout and a summary on stderr.
/// Exit 0, or 2 with one line when the file cannot be read or a setting is wrong.
/// </summary>
internal static class OnceMode
{
    public const string Flag = "--once";

    public static bool IsRequested(string[] args) => args.Contains(Flag);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        int at = Array.IndexOf(args, Flag);
        if (at + 1 >= args.Length || args[at + 1].StartsWith("--", StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync("watcher: configuration error: --once needs a FILE to read").ConfigureAwait(false);
            return SidecarHost.ConfigurationErrorExitCode;
        }
        string file = args[at + 1];
        string[] rest = [.. args[..at], .. args[(at + 2)..]];
        try
        {
            var builder = SidecarHost.CreateBuilder("watcher", rest, 9145, logToStandardError: true);
            var options = new WatcherOptions();
            builder.Configuration.GetSection(WatcherOptions.Section).Bind(options);
            options.Path = file;
            var failures = WatcherOptionsValidator.Check(options, checkStateDirectory: false);
            if (failures.Count > 0)
            {
                throw new ConfigurationException(string.Join("; ", failures));
            }
            if (!File.Exists(file))
            {
                await stderr.WriteLineAsync($"watcher: cannot read {file}: the file does not exist").ConfigureAwait(false);
                return SidecarHost.ConfigurationErrorExitCode;
            }
            using var host = builder.Build();
            var loggers = host.Services.GetRequiredService<ILoggerFactory>();
            var format = options.ResolveFormat();
            var metrics = new WatcherMetrics(WatcherHostExtensions.CreateLayout(options, format));
            var processor = new AccessLogProcessor(format, metrics, store: null, TimeProvider.System, loggers.CreateLogger("Sidecars.Watcher.Once"))
            {
                MalformedExamples = [],
            };

            var stopwatch = Stopwatch.StartNew();
            OnceResult result;
            try
            {
                result = OnceReader.Read(file, processor, options.MaxLineBytes, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"watcher: cannot read {file}: {e.Message}").ConfigureAwait(false);
                return SidecarHost.ConfigurationErrorExitCode;
            }
            double seconds = stopwatch.Elapsed.TotalSeconds;

            var values = metrics.Staged;
            var text = new StringBuilder(16 * 1024);
            Exposition.Write(text, values);
            await stdout.WriteAsync(text.ToString()).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
            await stderr.WriteAsync(Describe(file, format, values, processor.MalformedExamples!, result, seconds)).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (SidecarHost.DescribeConfigurationError(e) is { } line)
        {
            await stderr.WriteLineAsync($"watcher: configuration error: {line}").ConfigureAwait(false);
            return SidecarHost.ConfigurationErrorExitCode;
        }
        catch (LogFormatException e)
        {
            await stderr.WriteLineAsync($"watcher: configuration error: Watcher:Format: {e.Message}").ConfigureAwait(false);
            return SidecarHost.ConfigurationErrorExitCode;
        }
        finally
        {
            await Serilog.Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }

    public static string Describe(string file, LogFormat format, MetricValues v, List<string> examples, OnceResult result, double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        long lines = v.LinesParsed + v.LinesMalformed + v.LinesTooLong;
        var text = new StringBuilder();
        text.Append(inv, $"watcher --once {file} (format {format.Name})\n");
        text.Append(inv, $"  lines:      {lines}\n");
        text.Append(inv, $"  parsed:     {v.LinesParsed}\n");
        text.Append(inv, $"  malformed:  {v.LinesMalformed}\n");
        foreach (string example in examples)
        {
            text.Append("    ").Append(example).Append('\n');
        }
        text.Append(inv, $"  too long:   {v.LinesTooLong}\n");
        if (result.UnterminatedBytes > 0)
        {
            text.Append(inv, $"  unterminated last line: {result.UnterminatedBytes} bytes without a newline (not counted)\n");
        }
        text.Append(inv, $"  bytes:      {result.BytesRead}\n");
        text.Append(inv, $"  seconds:    {seconds:F3}\n");
        text.Append(inv, $"  lines/s:    {(seconds > 0 ? lines / seconds : 0):F0}\n");
        return text.ToString();
    }
}
