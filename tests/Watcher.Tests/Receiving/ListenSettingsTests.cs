using Sidecars.Testing;
using Sidecars.Watcher;
using Sidecars.Watcher.Receiving;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Receiving;

/// <summary>The validation lines of Watcher:Listen and its bounds.</summary>
public sealed class ListenSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new("listen-settings");

    public void Dispose() => _folder.Dispose();

    private List<string> Problems(Action<WatcherOptions> set)
    {
        var options = new WatcherOptions { Listen = $"unixgram:{_folder.File("syslog.sock")}" };
        set(options);
        return WatcherOptionsValidator.Check(options, checkStateDirectory: false);
    }

    [Fact]
    public void Listening_is_valid_with_the_defaults_and_the_log_path_is_not_read()
    {
        Assert.Empty(Problems(o => o.Path = "/no/such/folder/access.log"));
        Assert.Empty(Problems(o => o.Listen = "udp://127.0.0.1:5514"));
        Assert.False(new WatcherOptions { Listen = "udp://127.0.0.1:5514", Path = "/var/log/nginx/*.log" }.SeveralLogs);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:514", "Watcher:Listen takes unixgram:/PATH (a Unix datagram socket the watcher creates) or udp://IP:PORT (e.g. udp://127.0.0.1:5514) (got \"tcp://127.0.0.1:514\")")]
    [InlineData("udp://localhost:514", "Watcher:Listen needs an IP address, not a name (got host \"localhost\") (got \"udp://localhost:514\")")]
    [InlineData("unixgram:/no/such/folder/syslog.sock", "Watcher:Listen unixgram:/no/such/folder/syslog.sock: folder /no/such/folder does not exist")]
    public void A_bad_address_is_one_line(string listen, string expected) =>
        Assert.Equal([expected], Problems(o => o.Listen = listen));

    [Fact]
    public void Something_other_than_a_socket_at_the_path_is_refused_not_removed()
    {
        string path = _folder.File("syslog.sock");
        File.WriteAllText(path, "keep me");
        Assert.Equal([$"Watcher:Listen unixgram:{path}: {path} is a regular file, not a socket: remove it or choose another path"], Problems(_ => { }));
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Fact]
    public void A_symlink_at_the_path_is_refused_not_followed()
    {
        string path = _folder.File("syslog.sock");
        File.CreateSymbolicLink(path, _folder.File("elsewhere.sock"));
        Assert.Equal([$"Watcher:Listen unixgram:{path}: {path} is a symlink; the watcher does not follow one there: remove it or choose another path"], Problems(_ => { }));
    }

    [Fact]
    public void Paths_and_listen_together_are_refused()
    {
        Assert.Equal(
            ["Watcher:Paths must be empty when Watcher:Listen is set: the watcher receives nginx's syslog messages or follows logs, not both (got 1 paths); Watcher:Path is not read then"],
            Problems(o => o.Paths = ["/var/log/nginx/access.log"]));
    }

    [Theory]
    [InlineData("ReceiveBufferBytes", 1024, "Watcher:ReceiveBufferBytes must be between 4096 and 67108864 (got 1024)")]
    [InlineData("ReceiveBufferBytes", 128 * 1024 * 1024, "Watcher:ReceiveBufferBytes must be between 4096 and 67108864 (got 134217728)")]
    [InlineData("MaxMessageBytes", 100, "Watcher:MaxMessageBytes must be between 256 and 65535, the largest datagram (got 100)")]
    [InlineData("MaxMessageBytes", 70000, "Watcher:MaxMessageBytes must be between 256 and 65535, the largest datagram (got 70000)")]
    public void Bounds_out_of_range_are_one_line_each(string setting, int value, string expected) =>
        Assert.Equal([expected], Problems(o =>
        {
            if (setting == "ReceiveBufferBytes")
            {
                o.ReceiveBufferBytes = value;
            }
            else
            {
                o.MaxMessageBytes = value;
            }
        }));

    [Theory]
    [InlineData("rw", "Watcher:ListenMode must be permissions in octal, e.g. 0666 or 0660 (got \"rw\")")]
    [InlineData("0888", "Watcher:ListenMode must be permissions in octal, e.g. 0666 or 0660 (got \"0888\")")]
    [InlineData("0466", "Watcher:ListenMode must let the owner write (got 0466)")]
    public void A_bad_socket_mode_is_one_line(string mode, string expected) =>
        Assert.Equal([expected], Problems(o => o.ListenMode = mode));

    [Fact]
    public void The_socket_mode_is_read_in_octal() =>
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
            new WatcherOptions { ListenMode = "0660" }.GetSocketMode());

    [Fact]
    public void Nothing_at_the_path_or_a_stale_socket_is_fine()
    {
        string path = _folder.File("syslog.sock");
        Assert.Null(SyslogReceiver.SocketPathProblem(path));
        StaleSocket.Make(path);
        Assert.Equal("a socket", FileStatus.OfPath(path)?.Kind);
        Assert.Null(SyslogReceiver.SocketPathProblem(path));
    }
}
