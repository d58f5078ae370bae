using System.Text;
using Sidecars.Watcher.Receiving;

namespace Sidecars.Tests.Watcher.Receiving;

public sealed class SyslogHeaderTests
{
    private static string? MessageOf(string datagram)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(datagram);
        return SyslogHeader.TryFindMessage(bytes, out var message) ? Encoding.UTF8.GetString(bytes.AsSpan()[message]) : null;
    }

    [Theory]
    // As nginx writes it: access_log syslog:server=unix:/run/watcher/syslog.sock (tag nginx, with the hostname)
    [InlineData("<190>Dec  8 00:35:01 web-7d4f nginx: 10.0.0.1 - - \"GET / HTTP/1.1\" 200", "10.0.0.1 - - \"GET / HTTP/1.1\" 200")]
    // nohostname
    [InlineData("<190>Dec  8 00:35:01 nginx: 10.0.0.1 - - \"GET / HTTP/1.1\" 200", "10.0.0.1 - - \"GET / HTTP/1.1\" 200")]
    // another tag, a two-digit day, a lowest PRI
    [InlineData("<0>Nov 28 23:59:59 host web_1: x", "x")]
    // a tag with a pid (other senders), a trailing newline
    [InlineData("<13>Jan  1 00:00:00 host app[42]: message: with colons\n", "message: with colons")]
    // a message that holds ": " after the tag is the message's own
    [InlineData("<190>Dec  8 00:35:01 nginx: GET /a: b", "GET /a: b")]
    // an empty message
    [InlineData("<190>Dec  8 00:35:01 host nginx: ", "")]
    public void The_message_is_what_follows_the_tag(string datagram, string expected) =>
        Assert.Equal(expected, MessageOf(datagram));

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("10.0.0.1 - - [08/Dec/2026:00:35:01 +0000] \"GET / HTTP/1.1\" 200 612")] // a plain access log line
    [InlineData("<>Dec  8 00:35:01 host nginx: x")]        // no PRI
    [InlineData("<1900>Dec  8 00:35:01 host nginx: x")]    // four digits
    [InlineData("<192>Dec  8 00:35:01 host nginx: x")]     // above facility 23, severity 7
    [InlineData("<190 Dec  8 00:35:01 host nginx: x")]     // PRI not closed
    [InlineData("<190>2026-12-08T00:35:01Z host nginx: x")] // RFC 5424's timestamp, not nginx's
    [InlineData("<190>Dec  8 00:35")]                       // truncated in the timestamp
    [InlineData("<190>Dec  8 00:35:01 ")]                   // truncated after it
    [InlineData("<190>Dec  8 00:35:01 host")]               // truncated in the hostname
    [InlineData("<190>Dec  8 00:35:01 host nginx")]         // no ':' after the tag
    [InlineData("<190>Dec  8 00:35:01 host more nginx: x")] // a third token before the tag
    [InlineData("<190>Dec  8 00:35:01  nginx: x")]          // an empty hostname
    public void What_is_not_syslog_is_told_apart(string datagram) =>
        Assert.Null(MessageOf(datagram));

    [Fact]
    public void Every_prefix_of_a_message_either_is_not_syslog_or_gives_a_prefix_of_its_message()
    {
        const string datagram = "<190>Dec  8 00:35:01 web-7d4f nginx: 10.0.0.1 - - \"GET / HTTP/1.1\" 200";
        const string message = "10.0.0.1 - - \"GET / HTTP/1.1\" 200";
        for (int length = 0; length <= datagram.Length; length++)
        {
            string? found = MessageOf(datagram[..length]);
            Assert.True(found is null || message.StartsWith(found, StringComparison.Ordinal), $"prefix of {length}: {found}");
            Assert.Equal(length >= datagram.Length - message.Length, found is not null);
        }
    }
}
