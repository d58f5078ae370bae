using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sidecars.Watcher;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Tests.Watcher.Parsing;

/// <summary>Choosing a format: built-in names in any case, typos caught at start, formats that count nothing, and which built-in format rejected lines look like.</summary>
public sealed class FormatChoiceTests
{
    [Theory]
    [InlineData("main", "main")]
    [InlineData("Main", "main")]
    [InlineData(" COMBINED ", "combined")]
    [InlineData("Combined", "combined")]
    public void Built_in_names_are_accepted_in_any_case(string setting, string name)
    {
        Assert.Same(name == "main" ? LogFormat.Main : LogFormat.Combined, LogFormat.Resolve(setting));
    }

    [Theory]
    [InlineData("combind", "unknown format name \"combind\" (the names are main, combined; a log_format string has $variables); did you mean combined?")]
    [InlineData("mian", "unknown format name \"mian\" (the names are main, combined; a log_format string has $variables); did you mean main?")]
    [InlineData("json", "unknown format name \"json\" (the names are main, combined; a log_format string has $variables); for JSON lines give nginx's own log_format, e.g. escape=json '{\"status\":\"$status\",...}'")]
    [InlineData("apache", "unknown format name \"apache\" (the names are main, combined; a log_format string has $variables)")]
    public void A_single_word_that_is_no_format_name_and_has_no_variable_is_rejected_listing_the_names(string setting, string message)
    {
        var e = Assert.Throws<LogFormatException>(() => LogFormat.Resolve(setting));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("$status")]
    [InlineData("$remote_addr [$time_local] \"$request\" $status")]
    public void A_word_with_a_variable_is_a_format_string(string setting)
    {
        Assert.Equal("custom", LogFormat.Resolve(setting).Name);
    }

    [Fact]
    public void An_empty_setting_is_an_empty_format_and_words_with_spaces_are_a_format_string()
    {
        Assert.Equal("empty format at position 0", Assert.Throws<LogFormatException>(() => LogFormat.Resolve("")).Message);
        // Not a mistyped name: a literal format (which counts nothing, as FormatCoverage then says).
        LogFormat words = LogFormat.Resolve("GET / HTTP");
        Assert.Equal(("custom", "GET / HTTP"), (words.Name, words.Text));
        Assert.NotNull(FormatCoverage.Problem(words));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("request")]
    [InlineData("request_method")]
    [InlineData("body_bytes_sent")]
    [InlineData("bytes_sent")]
    [InlineData("request_length")]
    [InlineData("request_time")]
    [InlineData("upstream_response_time")]
    [InlineData("upstream_connect_time")]
    [InlineData("upstream_header_time")]
    [InlineData("upstream_cache_status")]
    public void Any_one_counted_variable_makes_a_usable_format(string variable)
    {
        Assert.Null(FormatCoverage.Problem(LogFormat.Compile($"$remote_addr ${variable}")));
    }

    [Fact]
    public void A_format_with_status_and_request_counts_everything_without_warnings()
    {
        Assert.Null(FormatCoverage.Problem(LogFormat.Main));
        Assert.Empty(FormatCoverage.Warnings(LogFormat.Main));
        Assert.Empty(FormatCoverage.Warnings(LogFormat.Compile("$request_method $uri $status")));
    }

    [Fact]
    public void A_format_without_status_or_method_is_accepted_with_a_warning_for_each()
    {
        var format = LogFormat.Compile("$remote_addr [$time_local] $request_time");

        Assert.Null(FormatCoverage.Problem(format));
        Assert.Equal(
            [
                "the format has no $status: every request counts as status=\"other\"",
                "the format has neither $request nor $request_method: every request counts as method=\"other\"",
            ],
            FormatCoverage.Warnings(format));
        Assert.Single(FormatCoverage.Warnings(LogFormat.Compile("\"$request\" $body_bytes_sent")));
    }

    [Fact]
    public void A_format_with_none_of_the_counted_variables_is_rejected()
    {
        string? problem = FormatCoverage.Problem(LogFormat.Compile("$remote_addr - $remote_user [$time_local] \"$http_user_agent\""));

        Assert.NotNull(problem);
        Assert.StartsWith("the format has none of the variables the watcher counts ($status, $request, ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_combined_lines_read_as_main_look_like_combined()
    {
        byte[][] lines = LogFormatParseTests.RealLines("nginx-combined.log");
        Assert.All(lines, line => Assert.False(Parses(LogFormat.Main, line)));

        Assert.Same(LogFormat.Combined, FormatGuess.LikelyBuiltIn(LogFormat.Main, lines));
    }

    [Fact]
    public void Real_main_lines_read_as_combined_look_like_main()
    {
        byte[][] lines = LogFormatParseTests.RealLines("nginx-main.log");
        Assert.All(lines, line => Assert.False(Parses(LogFormat.Combined, line)));

        Assert.Same(LogFormat.Main, FormatGuess.LikelyBuiltIn(LogFormat.Combined, lines));
    }

    [Fact]
    public void Lines_of_a_custom_format_look_like_no_built_in_one()
    {
        byte[][] lines = LogFormatParseTests.RealLines("nginx-timing.log");

        Assert.Null(FormatGuess.LikelyBuiltIn(LogFormat.Main, lines));
        Assert.Null(FormatGuess.LikelyBuiltIn(LogFormat.Main, []));
    }

    [Fact]
    public void A_built_in_format_is_suggested_only_when_it_parses_more_than_half_the_samples()
    {
        byte[] combined = Encoding.ASCII.GetBytes("1.2.3.4 - - [08/Jan/2020:08:59:14 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\"");
        byte[] garbage = Encoding.ASCII.GetBytes("garbage");

        Assert.Same(LogFormat.Combined, FormatGuess.LikelyBuiltIn(LogFormat.Main, [combined, combined, garbage]));
        Assert.Null(FormatGuess.LikelyBuiltIn(LogFormat.Main, [combined, garbage]));
        // A format never suggests itself, even written out instead of by name.
        Assert.Null(FormatGuess.LikelyBuiltIn(LogFormat.Compile(LogFormat.CombinedFormat), [combined, combined]));
    }

    private const string JsonLine = "{\"time\":\"2020-01-08T08:59:14+00:00\",\"request\":\"GET / HTTP/1.1\",\"status\":\"200\"}";

    [Fact]
    public void A_json_line_read_with_a_format_not_escaped_as_json_looks_like_json()
    {
        byte[] json = Encoding.ASCII.GetBytes(JsonLine);
        byte[] indented = Encoding.ASCII.GetBytes(" \t" + JsonLine);
        byte[] combined = Encoding.ASCII.GetBytes("1.2.3.4 - - [08/Jan/2020:08:59:14 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\"");
        var jsonFormat = LogFormat.Compile("escape=json '{\"status\":\"$status\",\"request\":\"$request\"}'");

        Assert.True(FormatGuess.LooksLikeJson(LogFormat.Combined, json));
        Assert.True(FormatGuess.LooksLikeJson(LogFormat.Main, indented));
        Assert.False(FormatGuess.LooksLikeJson(LogFormat.Combined, combined));
        // A JSON format that rejects a JSON line needs another hint than "use escape=json".
        Assert.False(FormatGuess.LooksLikeJson(jsonFormat, json));
        // Over samples: more than half must look like JSON.
        Assert.True(FormatGuess.MostLookLikeJson(LogFormat.Combined, [json, json, combined]));
        Assert.False(FormatGuess.MostLookLikeJson(LogFormat.Combined, [json, combined]));
        Assert.False(FormatGuess.MostLookLikeJson(LogFormat.Combined, []));
    }

    [Fact]
    public void A_malformed_json_line_is_described_with_the_escape_json_hint_and_another_line_without()
    {
        var examples = new List<string>();
        var counter = WatcherHostExtensions.CreateCounting(new WatcherOptions(), LogFormat.Combined, null, TimeProvider.System, NullLoggerFactory.Instance,
            onMalformedLine: (line, error, number) => examples.Add($"line {number}: {FormatGuess.Describe(LogFormat.Combined, line, error)}"));
        TestLines.Feed(counter, JsonLine, "garbage");

        Assert.Equal(2, examples.Count);
        Assert.StartsWith("line 1: ", examples[0], StringComparison.Ordinal);
        Assert.EndsWith("; the line looks like JSON: " + FormatGuess.JsonHint, examples[0], StringComparison.Ordinal);
        Assert.Contains("use escape=json and a JSON log_format", examples[0], StringComparison.Ordinal);
        Assert.DoesNotContain("JSON", examples[1], StringComparison.Ordinal);
    }

    private static bool Parses(LogFormat format, byte[] line)
    {
        var record = default(AccessLogRecord);
        return format.TryParse(line, ref record, out _);
    }
}
