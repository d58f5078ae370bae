using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher.Parsing;

namespace Sidecars.Tests.Watcher.Parsing;

public sealed class NginxConfigTests
{
    private const string Config = """
        user nginx;
        events { worker_connections 1024; }
        http {
            # log_format main 'commented out $status';
            log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                              '$status $body_bytes_sent "$http_referer" '   # the official image's
                              '"$http_user_agent" "$http_x_forwarded_for"';
            log_format json escape=json
                '{"status":$status,'
                '"hash":"#not-a-comment",'
                "\"rt\":\"$request_time\"}";
            map $http_upgrade ${connection_upgrade} { default upgrade; '' close; }
            access_log /var/log/nginx/access.log main;
        }
        """;

    [Fact]
    public void A_multi_line_log_format_with_comments_reads_as_nginx_reads_it()
    {
        NginxLogFormat format = NginxConfig.ReadLogFormat(Config, "main");

        Assert.Equal(LogFormat.MainFormat, format.Format);
        Assert.Equal(LogEscape.Default, format.Escape);
    }

    [Fact]
    public void Escape_json_and_double_quoted_parts_are_read_with_their_escapes()
    {
        NginxLogFormat format = NginxConfig.ReadLogFormat(Config, "json");

        Assert.Equal(LogEscape.Json, format.Escape);
        Assert.Equal("{\"status\":$status,\"hash\":\"#not-a-comment\",\"rt\":\"$request_time\"}", format.Format);
    }

    [Fact]
    public void A_missing_log_format_names_the_ones_that_exist()
    {
        var error = Assert.Throws<LogFormatException>(() => NginxConfig.ReadLogFormat(Config, "timing"));

        Assert.Equal("log_format timing not found in the nginx config (it defines: main, json)", error.Message);
    }

    [Fact]
    public void A_config_without_any_log_format_says_so_even_when_it_ends_in_a_comment()
    {
        var error = Assert.Throws<LogFormatException>(() => NginxConfig.ReadLogFormat("events { }\n# the end, no newline", "main"));

        Assert.Equal("log_format main not found in the nginx config (it defines: none)", error.Message);
    }

    [Fact]
    public void Unquoted_words_braced_variables_quoted_semicolons_and_escapes_read_as_nginx_reads_them()
    {
        // nginx concatenates the arguments; ${name} inside a word is a variable, a quoted ';' is text,
        // and \t in a quoted string is a tab.
        const string config = "log_format t ${status}ms ' ' $body_bytes_sent ';' '\\t$request_time';";

        Assert.Equal("${status}ms $body_bytes_sent;\t$request_time", NginxConfig.ReadLogFormat(config, "t").Format);
    }

    [Fact]
    public void A_log_format_without_its_semicolon_is_an_error_at_its_start()
    {
        var error = Assert.Throws<LogFormatException>(() => NginxConfig.ReadLogFormat("http {\n  log_format x '$status'", "x"));

        Assert.Equal(("log_format x at position 9 is not terminated by ';'", 9), (error.Message, error.Position));
    }

    [Fact]
    public void An_unknown_escape_in_the_config_names_the_format_and_the_position()
    {
        var error = Assert.Throws<LogFormatException>(() => NginxConfig.ReadLogFormat("log_format x escape=xml '$status';", "x"));

        Assert.Equal("log_format x: unknown escape=xml at position 13 (expected default, json or none)", error.Message);
    }

    [Fact]
    public void An_unterminated_string_names_its_line()
    {
        var error = Assert.Throws<LogFormatException>(() => NginxConfig.ReadLogFormat("http {\n log_format x '$status;\n}", "x"));

        Assert.Equal("unterminated quote at position 21 (line 2) of the nginx config", error.Message);
    }

    [Fact]
    public void A_log_format_without_a_format_string_is_an_error()
    {
        var error = Assert.Throws<LogFormatException>(() => NginxConfig.ReadLogFormat("log_format x escape=json;", "x"));

        Assert.StartsWith("log_format x has no format string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_nginx_config_compiles_the_named_format_from_a_file()
    {
        using var folder = new TempFolder();
        string path = folder.File("nginx.conf");
        File.WriteAllText(path, Config);

        LogFormat json = LogFormat.FromNginxConfig(path, "json");
        var record = new AccessLogRecord();

        Assert.Equal("json", json.Name);
        Assert.Equal(LogEscape.Json, json.Escape);
        Assert.True(json.TryParse("{\"status\":204,\"hash\":\"#not-a-comment\",\"rt\":\"0.015\"}"u8, ref record, out ParseError error), error.Element);
        Assert.Equal(204, record.Status);
        Assert.Equal(0.015, record.RequestTime, 9);
    }

    [Fact]
    public void From_nginx_config_knows_the_predefined_combined_format()
    {
        using var folder = new TempFolder();
        string path = folder.File("nginx.conf");
        File.WriteAllText(path, Config, Encoding.UTF8);

        Assert.Equal(LogFormat.CombinedFormat, LogFormat.FromNginxConfig(path, "combined").Text);
    }

    [Fact]
    public void From_nginx_config_reports_a_missing_file_or_name_clearly()
    {
        using var folder = new TempFolder();
        string path = folder.File("nginx.conf");

        var missingFile = Assert.Throws<LogFormatException>(() => LogFormat.FromNginxConfig(path, "main"));
        File.WriteAllText(path, Config);
        var missingName = Assert.Throws<LogFormatException>(() => LogFormat.FromNginxConfig(path, "nope"));

        Assert.StartsWith($"cannot read the nginx config {path}", missingFile.Message, StringComparison.Ordinal);
        Assert.Equal($"log_format nope not found in {path} (it defines: main, json)", missingName.Message);
    }
}
