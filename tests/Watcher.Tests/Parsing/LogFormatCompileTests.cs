using Sidecars.Watcher.Parsing;

namespace Sidecars.Tests.Watcher.Parsing;

public sealed class LogFormatCompileTests
{
    [Fact]
    public void Main_is_the_official_nginx_image_format()
    {
        LogFormat main = LogFormat.Resolve("main");

        Assert.Equal("main", main.Name);
        Assert.Equal(
            ["remote_addr", "remote_user", "time_local", "request", "status", "body_bytes_sent", "http_referer", "http_user_agent", "http_x_forwarded_for"],
            main.Variables);
        Assert.Equal(LogEscape.Default, main.Escape);
    }

    [Fact]
    public void Combined_is_nginx_predefined_format()
    {
        LogFormat combined = LogFormat.Resolve("combined");

        Assert.Equal("combined", combined.Name);
        Assert.Equal(LogFormat.CombinedFormat, combined.Text);
        Assert.False(combined.HasVariable("http_x_forwarded_for"));
        Assert.True(combined.HasVariable("status"));
    }

    [Fact]
    public void Anything_else_is_a_raw_format_kept_as_written()
    {
        LogFormat format = LogFormat.Resolve("\"$request\" $status ${request_time}s");

        Assert.Equal("custom", format.Name);
        Assert.Equal("\"$request\" $status ${request_time}s", format.Text);
        Assert.Equal(["request", "status", "request_time"], format.Variables);
    }

    [Fact]
    public void A_newline_pasted_after_a_raw_format_is_dropped()
    {
        Assert.Equal("$status $body_bytes_sent", LogFormat.Compile("$status $body_bytes_sent\r\n").Text);
        // A raw format of double-quoted parts keeps its quotes: the pasted newline does not make it nginx.conf text.
        Assert.Equal("\"$request\" \"$status\"", LogFormat.Compile("\"$request\" \"$status\"\n").Text);
    }

    [Fact]
    public void Quoted_parts_from_nginx_conf_are_concatenated()
    {
        LogFormat format = LogFormat.Compile("'$remote_addr - $remote_user [$time_local] \"$request\" '\n    '$status $body_bytes_sent';");

        Assert.Equal("$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent", format.Text);
        Assert.Equal(LogEscape.Default, format.Escape);
    }

    [Fact]
    public void Escape_json_before_the_parts_sets_json_escaping()
    {
        LogFormat format = LogFormat.Compile("escape=json '{\"status\":$status,' '\"rt\":\"$request_time\"}'");

        Assert.Equal(LogEscape.Json, format.Escape);
        Assert.Equal("{\"status\":$status,\"rt\":\"$request_time\"}", format.Text);
    }

    [Fact]
    public void Double_quoted_parts_spanning_lines_unescape_backslash_quotes()
    {
        LogFormat format = LogFormat.Compile("\"$remote_addr \\\"$request\\\" \"\n\"$status\";");

        Assert.Equal("$remote_addr \"$request\" $status", format.Text);
    }

    [Fact]
    public void Backslash_escapes_in_quoted_parts_are_those_of_nginx_conf()
    {
        // \t \n \r become the control characters, \\ \' \" the character itself, any other pair stays as written.
        LogFormat format = LogFormat.Compile("'a\\tb\\nc\\rd\\\\e\\'f\\\"g\\zh $status'");

        Assert.Equal("a\tb\nc\rd\\e'f\"g\\zh $status", format.Text);
    }

    [Theory]
    // Double-quoted parts are read as nginx.conf text when they end with ';', span lines, or use an escape...
    [InlineData("\"$status \" \"$body_bytes_sent\";", "$status $body_bytes_sent")]
    [InlineData("\"$status \"\n    \"$body_bytes_sent\"", "$status $body_bytes_sent")]
    [InlineData("\"$status \\\"$request\\\"\"", "$status \"$request\"")]
    // ...and otherwise as a raw format whose quotes are part of the line.
    [InlineData("\"$status\" \"$request\"", "\"$status\" \"$request\"")]
    [InlineData("\"$request\" $status", "\"$request\" $status")]
    public void Double_quoted_parts_are_nginx_conf_text_only_with_a_semicolon_a_second_line_or_an_escape(string format, string text)
    {
        Assert.Equal(text, LogFormat.Compile(format).Text);
    }

    [Fact]
    public void Unquoted_arguments_of_nginx_conf_are_concatenated_like_quoted_ones()
    {
        LogFormat format = LogFormat.Compile("escape=json $status ' ' $body_bytes_sent;");

        Assert.Equal("$status $body_bytes_sent", format.Text);
        Assert.Equal(LogEscape.Json, format.Escape);
    }

    [Fact]
    public void Braced_variables_may_be_followed_directly_by_text()
    {
        LogFormat format = LogFormat.Compile("${status}x${body_bytes_sent}ms");
        var record = new AccessLogRecord();

        Assert.True(format.TryParse("404x512ms"u8, ref record, out ParseError error), error.Describe("404x512ms"u8));
        Assert.Equal((404, 512L), (record.Status, record.BodyBytesSent));
    }

    [Theory]
    [InlineData("escape=default '$status'", "Default")]
    [InlineData("escape=json '$status'", "Json")]
    [InlineData("escape=none '$status'", "None")]
    public void Every_escape_mode_nginx_has_is_accepted(string format, string escape)
    {
        Assert.Equal(Enum.Parse<LogEscape>(escape), LogFormat.Compile(format).Escape);
    }

    [Fact]
    public void Escape_none_is_accepted()
    {
        Assert.Equal(LogEscape.None, LogFormat.Compile("escape=none '$status \"$http_user_agent\"'").Escape);
    }

    [Theory]
    [InlineData("'$status $body", "unterminated quote at position 0", 0)]
    [InlineData("escape=json '$status' '\"$host", "unterminated quote at position 22", 22)]
    [InlineData("$status $", "'$' without a variable name at position 8", 8)]
    [InlineData("$status $-", "'$' without a variable name at position 8", 8)]
    [InlineData("$status ${request_time", "unterminated '${request_time' (missing '}') at position 8", 8)]
    [InlineData("$status ${}", "'${' without a variable name at position 8", 8)]
    [InlineData("'$status ' '$'", "'$' without a variable name at position 12", 12)]
    [InlineData("escape=xml '$status'", "unknown escape=xml at position 0 (expected default, json or none)", 0)]
    [InlineData("'$status' x; y", "unexpected text after ';' at position 13", 13)]
    [InlineData("   ", "empty format at position 0", 0)]
    [InlineData("'$status'x", "expected a space or ';' after the quoted string at position 9", 9)]
    [InlineData("escape=json;", "no format string before ';' at position 11", 11)]
    [InlineData("escape=json", "no format string after escape= at position 11", 11)]
    [InlineData("''", "empty format at position 2", 2)]
    // Positions count the characters as given, also after backslash escapes (each is two characters).
    [InlineData("'\\t$'", "'$' without a variable name at position 3", 3)]
    [InlineData("'\\\"$'", "'$' without a variable name at position 3", 3)]
    [InlineData("'\\z$ $status'", "'$' without a variable name at position 3", 3)]
    public void A_bad_format_names_the_problem_and_its_position(string format, string message, int position)
    {
        var error = Assert.Throws<LogFormatException>(() => LogFormat.Compile(format));

        Assert.Equal(message, error.Message);
        Assert.Equal(position, error.Position);
    }

    [Fact]
    public void Two_variables_with_nothing_between_them_are_an_error_naming_both()
    {
        var error = Assert.Throws<LogFormatException>(() => LogFormat.Compile("$remote_addr $status$body_bytes_sent"));

        Assert.Equal(20, error.Position);
        Assert.StartsWith("variables $status and $body_bytes_sent have no literal text between them at position 20", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adjacent_variables_across_nginx_conf_parts_report_the_position_in_the_given_text()
    {
        var error = Assert.Throws<LogFormatException>(() => LogFormat.Compile("'$status' '${request_time}'"));

        Assert.Equal(11, error.Position);
    }
}
