using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Sidecars.Hosting;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Watcher;

/// <summary>
/// <c>watcher --once FILE [--Watcher:Format=...]</c>: reads FILE to its end as fast as it can with the
/// same counter as the service (nothing saved), prints the exposition on stdout and a summary on stderr. The
/// summary's lines are the service's: every complete line read, <c>watcher_lines_total</c> over its results.
/// Exit 0; 1 when no line matched the format or more than half the lines did not (the summary says so,
/// and names the built-in format the lines look like, if any); 2 with one line when the file cannot be
/// read or a setting is wrong. The summary also lists the most frequent paths no route matched, collapsed to
/// their shape (<see cref="UnmatchedPaths"/>), to write routes from.
/// </summary>
internal static class OnceMode
{
    /// <summary>Exit code when the file was read but its lines mostly do not match the format.</summary>
    public const int MismatchExitCode = 1;

    /// <summary>How many of the most frequent unmatched paths the summary lists.</summary>
    public const int UnmatchedPathsShown = 20;

    public static async Task<int> RunAsync(string file, string[] settings, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var builder = SidecarHost.CreateBuilder("watcher", settings, 9145, logToStandardError: true);
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
            var format = options.GetLogFormat();
            var unmatched = new UnmatchedPaths();
            var malformed = new MalformedLines(format);
            // The summary lists the first malformed lines and counts the rest: no log lines about them on top.
            // Once mode only: the live watcher keeps no paths and no malformed lines.
            var counter = WatcherHostExtensions.CreateCounting(options, format, store: null, TimeProvider.System, NullLoggerFactory.Instance,
                onUnmatchedPath: unmatched.Add, onMalformedLine: malformed.Add);
            var metrics = counter.Metrics;

            var stopwatch = Stopwatch.StartNew();
            OnceResult result;
            try
            {
                result = OnceReader.Read(file, counter, counter, options.MaxLineBytes, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"watcher: cannot read {file}: {e.Message}").ConfigureAwait(false);
                return SidecarHost.ConfigurationErrorExitCode;
            }
            double seconds = stopwatch.Elapsed.TotalSeconds;

            var values = metrics.Staged;
            await stdout.WriteAsync(Exposition.ToText(values)).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
            var verdict = Judge(values, format, malformed.Samples);
            await stderr.WriteAsync(Describe(file, format, values, malformed.Examples, result, seconds, verdict)).ConfigureAwait(false);
            await stderr.WriteAsync(DescribeUnmatched(unmatched, options.Routes.Count > 0)).ConfigureAwait(false);
            return verdict.ExitCode;
        }
        catch (Exception e) when (SidecarHost.DescribeConfigurationError(e) is { } line)
        {
            await stderr.WriteLineAsync($"watcher: configuration error: {line}").ConfigureAwait(false);
            return SidecarHost.ConfigurationErrorExitCode;
        }
        finally
        {
            await Serilog.Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The exit code, the result line, the built-in format the malformed lines look like (if any), and whether they look like JSON.</summary>
    internal readonly record struct Verdict(int ExitCode, string Result, LogFormat? LooksLike, bool LooksLikeJson = false);

    /// <summary>
    /// Exit 1 when no line matched the format (parsed, or excluded after it was parsed), or when more than half the
    /// lines were malformed; else 0.
    /// </summary>
    public static Verdict Judge(MetricValues v, LogFormat format, IReadOnlyCollection<byte[]> malformedSamples)
    {
        long lines = v.LinesRead;
        var inv = CultureInfo.InvariantCulture;
        var looksLike = v.LinesMalformed > 0 ? FormatGuess.LikelyBuiltIn(format, malformedSamples) : null;
        bool json = v.LinesMalformed > 0 && looksLike is null && FormatGuess.MostLookLikeJson(format, malformedSamples);
        if (lines == 0)
        {
            return new Verdict(MismatchExitCode, "no complete line in the file: nothing was counted (exit 1)", null);
        }
        if (v.LinesParsed + v.LinesExcluded == 0)
        {
            return new Verdict(MismatchExitCode,
                string.Create(inv, $"no line matched the format {format.Name}: nothing was counted (exit 1)"), looksLike, json);
        }
        if (v.LinesMalformed * 2 > lines)
        {
            return new Verdict(MismatchExitCode,
                string.Create(inv, $"more than half the lines ({v.LinesMalformed} of {lines}) do not match the format {format.Name} (exit 1)"),
                looksLike, json);
        }
        return new Verdict(0, v.LinesMalformed == 0 ? "every line matched the format (exit 0)" : "most lines matched the format (exit 0)", looksLike, json);
    }

    public static string Describe(string file, LogFormat format, MetricValues v, IReadOnlyList<string> examples, OnceResult result, double seconds, Verdict verdict)
    {
        var inv = CultureInfo.InvariantCulture;
        long lines = v.LinesRead;
        var text = new StringBuilder();
        text.Append(inv, $"watcher --once {file} (format {Log.Describe(format)})\n");
        foreach (string warning in FormatCoverage.Warnings(format))
        {
            text.Append("  warning:    ").Append(warning).Append('\n');
        }
        text.Append(inv, $"  lines:      {lines}\n");
        text.Append(inv, $"  parsed:     {v.LinesParsed}\n");
        text.Append(inv, $"  malformed:  {v.LinesMalformed}\n");
        foreach (string example in examples)
        {
            text.Append("    ").Append(example).Append('\n');
        }
        text.Append(inv, $"  too long:   {v.LinesTooLong}\n");
        if (v.LinesExcluded > 0)
        {
            text.Append(inv, $"  excluded:   {v.LinesExcluded} (Watcher:Exclude: matched the format, not in the request metrics)\n");
        }
        if (result.UnterminatedBytes > 0)
        {
            text.Append(inv, $"  unterminated last line: {result.UnterminatedBytes} bytes without a newline (not counted)\n");
        }
        text.Append(inv, $"  bytes:      {result.BytesRead}\n");
        text.Append(inv, $"  seconds:    {seconds:F3}\n");
        text.Append(inv, $"  lines/s:    {(seconds > 0 ? lines / seconds : 0):F0}\n");
        text.Append(inv, $"  result:     {verdict.Result}\n");
        if (verdict.LooksLike is { } builtIn)
        {
            text.Append(inv, $"  hint:       {(verdict.ExitCode == 0 ? "the malformed lines" : "these lines")} look like `{builtIn.Name}`: try `--Watcher:Format={builtIn.Name}`\n");
        }
        else if (verdict.LooksLikeJson)
        {
            text.Append(inv, $"  hint:       {(verdict.ExitCode == 0 ? "the malformed lines" : "these lines")} look like JSON: {FormatGuess.JsonHint}\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// The most frequent paths no route matched, with their counts, for writing routes; empty when no line had a path.
    /// </summary>
    public static string DescribeUnmatched(UnmatchedPaths unmatched, bool routesConfigured)
    {
        var inv = CultureInfo.InvariantCulture;
        if (unmatched.Lines == 0)
        {
            return routesConfigured ? "  unmatched:  none: a route matched every path\n" : "";
        }
        var top = unmatched.Top(UnmatchedPathsShown);
        var text = new StringBuilder();
        text.Append(inv, $"  unmatched:  {unmatched.Lines} lines {(routesConfigured ? "no route matched" : "(no routes configured)")}, by path without the query, ");
        text.Append("numbers as {n}, hex ids as {hex}, UUIDs as {uuid}");
        text.Append(inv, $"{(top.Count < unmatched.Count ? $"; the {top.Count} most frequent of {unmatched.Count}" : "")}");
        text.Append(inv, $"{(unmatched.Sampled ? $" (estimated: beyond the first {UnmatchedPaths.ExactLines} lines, 1 in {UnmatchedPaths.SampleEvery} was counted)" : "")}:\n");
        long rest = unmatched.Counted - top.Sum(t => t.Count);
        int width = new[] { top.Count == 0 ? 0 : top[0].Count, rest, unmatched.More }.Max().ToString(inv).Length;
        foreach (var (path, count) in top)
        {
            text.Append("    ").Append(count.ToString(inv).PadLeft(width)).Append("  ").Append(path).Append('\n');
        }
        if (rest > 0)
        {
            text.Append("    ").Append(rest.ToString(inv).PadLeft(width)).Append(inv, $"  (the other {unmatched.Count - top.Count} paths)\n");
        }
        if (unmatched.More > 0)
        {
            text.Append("    ").Append(unmatched.More.ToString(inv).PadLeft(width))
                .Append(inv, $"  (more: paths beyond the first {unmatched.MaxPaths} distinct ones, not told apart)\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// The malformed lines the counter reports (<see cref="LineCounter.OnMalformedLine"/>): the first few described,
    /// for the summary, and copies of the first ones, to try the built-in formats on.
    /// </summary>
    private sealed class MalformedLines(LogFormat format)
    {
        // How many the summary shows, described; how many are kept to try the built-in formats on.
        private const int MaxExamples = 3;
        private const int MaxSamples = 20;

        private readonly List<string> _examples = [];
        private readonly List<byte[]> _samples = [];

        public IReadOnlyList<string> Examples => _examples;

        public IReadOnlyCollection<byte[]> Samples => _samples;

        public void Add(ReadOnlySpan<byte> line, ParseError error, long number)
        {
            if (_examples.Count < MaxExamples)
            {
                _examples.Add(string.Create(CultureInfo.InvariantCulture, $"line {number}: {FormatGuess.Describe(format, line, error)}"));
            }
            if (_samples.Count < MaxSamples)
            {
                _samples.Add(line.ToArray());
            }
        }
    }
}
