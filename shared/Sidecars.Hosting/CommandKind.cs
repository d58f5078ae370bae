namespace Sidecars.Hosting;

/// <summary>What a command line asks the service to do (see <see cref="CommandLine"/>).</summary>
public enum CommandKind
{
    /// <summary>Run as a service with the given settings.</summary>
    Run = 0,
    /// <summary>Read one file to its end and exit (<c>--once FILE</c>; the watcher only).</summary>
    Once,
    /// <summary>Print the usage and exit 0 (<c>--help</c>, <c>-h</c>).</summary>
    Help,
    /// <summary>Print the version and commit and exit 0 (<c>--version</c>, <c>-V</c>).</summary>
    Version,
    /// <summary>Print one line naming the bad argument and exit 2.</summary>
    Error,
}
