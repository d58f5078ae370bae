using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Sidecars.Hosting;

/// <summary>
/// What <c>Http:WebConfigFile</c> asks of the endpoint: TLS (<see cref="Certificates"/>) and basic
/// authentication (<see cref="Authenticator"/>), either, both or neither. Read once at start: a
/// missing, unreadable or invalid file, certificate or key stops the service with one line.
/// </summary>
internal sealed class EndpointSecurity : IDisposable
{
    private EndpointSecurity(string? file, ServerCertificates? certificates, BasicAuthenticator? authenticator)
    {
        File = file;
        Certificates = certificates;
        Authenticator = authenticator;
    }

    /// <summary>The web configuration file, or null when none is set.</summary>
    public string? File { get; }

    /// <summary>The server certificate when the file has <c>tls_server_config</c>.</summary>
    public ServerCertificates? Certificates { get; }

    /// <summary>The users when the file has <c>basic_auth_users</c>.</summary>
    public BasicAuthenticator? Authenticator { get; }

    public void Dispose() => Authenticator?.Dispose();

    /// <summary>Reads <paramref name="file"/> (none: plain HTTP without authentication).</summary>
    public static EndpointSecurity Create(string? file, TimeProvider time, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return new EndpointSecurity(null, null, null);
        }
        var config = WebConfig.Load(file);
        ServerCertificates? certificates = null;
        if (config.Tls is { } tls)
        {
            try
            {
                certificates = new ServerCertificates(tls, time, logger);
            }
            catch (Exception e) when (ServerCertificates.IsLoadFailure(e))
            {
                throw new ConfigurationException($"Http:WebConfigFile {file}: tls_server_config: {ServerCertificates.OneLine(e)}", e);
            }
        }
        BasicAuthenticator? authenticator = null;
        if (config.RequiresBasicAuth)
        {
            WarnOfCostlyHashes(config.BasicAuthUsers, file, logger);
            authenticator = new BasicAuthenticator(config.BasicAuthUsers, time, logger);
        }
        return new EndpointSecurity(file, certificates, authenticator);
    }

    // Seconds as everywhere in the logs, with hours or days beside them for the extrapolated giants (cost 31: days).
    private static string Readable(TimeSpan time, bool estimated)
    {
        string text = (estimated ? "about " : "") + LogText.Duration(time);
        return time < TimeSpan.FromHours(1) ? text
            : time < TimeSpan.FromDays(2) ? string.Create(CultureInfo.InvariantCulture, $"{text} ({time.TotalHours:0.#} hours)")
            : string.Create(CultureInfo.InvariantCulture, $"{text} ({time.TotalDays:0.#} days)");
    }

    // A cost in bcrypt's range but above 12 works, and makes every new password wait: say how long, once per cost.
    private static void WarnOfCostlyHashes(IReadOnlyDictionary<string, string> users, string file, ILogger logger)
    {
        var timed = new Dictionary<int, (TimeSpan Time, int MeasuredCost)>();
        foreach (var (user, hash) in users.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            int cost = BcryptCost.Of(hash);
            if (cost <= BcryptCost.HighAbove)
            {
                continue;
            }
            if (!timed.TryGetValue(cost, out var check))
            {
                check.Time = BcryptCost.TimeOfOneCheck(cost, out check.MeasuredCost);
                timed[cost] = check;
            }
            string how = check.MeasuredCost == cost
                ? " (measured at start)"
                : $" (one check at cost {check.MeasuredCost} took {LogText.Duration(check.Time / Math.Pow(2, cost - check.MeasuredCost))} at start; each step of the cost doubles it)";
            BasicAuthLog.CostlyHash(logger, user, file, cost, Readable(check.Time, check.MeasuredCost != cost), how);
        }
    }
}
