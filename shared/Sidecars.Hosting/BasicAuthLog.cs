using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>Basic auth's log lines; their event ids are in <see cref="HostingEvents"/>.</summary>
internal static partial class BasicAuthLog
{
    [LoggerMessage(HostingEvents.Refused, LogLevel.Warning,
        "Refused a wrong user name or password from {Client}; {Refused} refused since start, {Unchecked} of them without a check " +
        "(their address already had checks waiting), {Checks} bcrypt checks made (logged at most once a minute)")]
    public static partial void Refused(ILogger logger, string client, long refused, long @unchecked, long checks);

    [LoggerMessage(HostingEvents.CostlyHash, LogLevel.Warning,
        "basic_auth_users.{User} in {File} has bcrypt cost {Cost}: one check of a password not seen before takes {CheckTime} here{HowMeasured}. " +
        "Prometheus' first scrape after each restart waits that long, one check at a time; cost 10 to 12 is usual")]
    public static partial void CostlyHash(ILogger logger, string user, string file, int cost, string checkTime, string howMeasured);
}
