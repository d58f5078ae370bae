using Sidecars.Hosting;
using Sidecars.Watcher;

var syntax = new CommandLineSyntax("watcher", $"""
    Usage: watcher [SETTINGS]                 follow the access log, serve its metrics
           watcher --once FILE [SETTINGS]     read FILE to its end, print its metrics, exit
           watcher --help | --version

    Follows nginx's access log and serves Prometheus metrics on /metrics.

    Commands:
      (none)                       follow Watcher:Path; /metrics, /healthz, /readyz on Http:Port
      --once FILE                  read FILE as fast as it can; the exposition on stdout, a summary
                                   on stderr; exit 0, 1 when most lines do not match the format,
                                   2 when the file or a setting is bad
      -h, --help                   print this help
      -V, --version                print the version and the commit

    Common settings:
      --Watcher:Path=FILE          the log to follow (default /var/log/nginx/access.log)
      --Watcher:Format=FORMAT      main (default; the official nginx image's), combined, or a
                                   log_format string as in nginx.conf ('$remote_addr - ...')
      --Watcher:FormatFile=FILE    read the format from an nginx config file, with
      --Watcher:FormatName=NAME    the name of its log_format
      --Watcher:StateDirectory=DIR save the position and counters there (resume after a restart)
      --Watcher:Listen=ADDRESS     receive nginx's access_log syslog: messages instead of following
                                   a log: udp://127.0.0.1:5514 or unixgram:/PATH
    {CommandLineSyntax.SharedSettingsHelp("Watcher:Path", 9145, "watcher/README.md in the Sidecars repository")}
    """)
{
    AcceptsOnce = true,
}.WithSection<WatcherOptions>(WatcherOptions.Section);

var command = CommandLine.Parse(args, syntax);
if (command.Answer(Console.Out, Console.Error) is { } exitCode)
{
    return exitCode;
}
if (command.Kind == CommandKind.Once)
{
    return await OnceMode.RunAsync(command.File!, [.. command.Settings], Console.Out, Console.Error);
}
return await SidecarHost.RunAsync("watcher", [.. command.Settings], 9145, b => b.AddWatcher());
