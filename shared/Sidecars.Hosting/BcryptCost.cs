using System.Diagnostics;
using System.Globalization;

namespace Sidecars.Hosting;

/// <summary>
/// The cost of a bcrypt hash (<c>$2y$10$...</c>: 2^10 rounds of key setup), what bcrypt allows, and what one
/// check costs on this machine. Each step of the cost doubles the time of a check.
/// </summary>
internal static class BcryptCost
{
    /// <summary>The least cost bcrypt defines.</summary>
    public const int Min = 4;

    /// <summary>The greatest cost bcrypt defines: one check then takes days.</summary>
    public const int Max = 31;

    /// <summary>Costs above this are warned about at start (htpasswd's default is 5, docs/http-endpoint.md suggests 10).</summary>
    public const int HighAbove = 12;

    // Measured as it is up to here; above, this one is measured and doubled per step (a start must not wait for a 2^31-round check).
    private const int MostMeasured = 13;

    /// <summary>The two digits after the version of a hash the web config's check has let through (<c>$2y$NN$</c> or <c>$2$NN$</c>).</summary>
    public static string Digits(string hash) => hash.Substring(hash.IndexOf('$', 1) + 1, 2);

    /// <summary>The cost of <paramref name="hash"/>, as <see cref="Digits"/> reads it.</summary>
    public static int Of(string hash) => int.Parse(Digits(hash), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>
    /// The time of one check at <paramref name="cost"/> here: measured at once up to cost 13 (a fraction of a
    /// second of CPU on a full core), else the time at 13 doubled per step; <paramref name="measuredCost"/> says which.
    /// </summary>
    public static TimeSpan TimeOfOneCheck(int cost, out int measuredCost)
    {
        measuredCost = Math.Min(cost, MostMeasured);
        // Making a hash is one round of the same work as checking a password against it.
        var clock = Stopwatch.StartNew();
        BCrypt.Net.BCrypt.HashPassword("a password to time", measuredCost);
        return clock.Elapsed * Math.Pow(2, cost - measuredCost);
    }
}
