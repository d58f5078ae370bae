using Sidecars.Hosting;
using Sidecars.Writer;

var syntax = new CommandLineSyntax("writer", $"""
    Usage: writer [SETTINGS]        append one date line to a file every interval
           writer --help | --version

    Appends a line with the time to the page nginx serves, on every tick, and serves Prometheus
    metrics on /metrics.

    Commands:
      (none)                       write to Writer:Path; /metrics, /healthz, /readyz on Http:Port
      -h, --help                   print this help
      -V, --version                print the version and the commit

    Common settings:
      --Writer:Path=FILE           the file (default /html/index.html); its folder must exist
      --Writer:Interval=DURATION   time between lines (default 1s)
      --Writer:Format=FORMAT       strftime/date syntax (default '%a %b %e %H:%M:%S %Z %Y'),
                                   or iso8601, rfc3339, iso8601ns
      --Writer:TimeZone=ZONE       UTC (default) or an IANA id (needs /usr/share/zoneinfo)
      --Writer:MaxLines=N          keep only the newest N lines (default 0: keep every line)
    {CommandLineSyntax.SharedSettingsHelp("Writer:Path", 9146, "writer/README.md in the Sidecars repository")}
    """).WithSection<WriterOptions>(WriterOptions.Section);

var command = CommandLine.Parse(args, syntax);
if (command.Answer(Console.Out, Console.Error) is { } exitCode)
{
    return exitCode;
}
return await SidecarHost.RunAsync("writer", [.. command.Settings], 9146, b => b.AddWriter());
