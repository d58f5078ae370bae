using System.Text;

namespace Sidecars.Watcher.Metrics;

/// <summary>
/// What each route costs a line at worst, measured at start on this machine. Linear-time matching is linear in the
/// path, but its constant is the regex's: a regex whose states multiply (<c>^/.*a.{20}$</c>: the engine must remember
/// each of the last 21 characters) costs milliseconds a path where a plain one costs microseconds. So each route is
/// run, as the counting runs it (<see cref="RouteTable.Match"/>), on paths of <see cref="RouteTable.MaxPathBytes"/>
/// made to be hard for it: after its literal prefix, runs and random mixes of the characters its pattern names, each
/// path new to it (a regex remembers the states it has seen). The cost of a kind of path is the median of a few paths
/// after a few to warm up, in CPU time of the measuring thread (a busy machine delays it, it does not make it cost
/// more); a route's cost is that of its hardest kind, and a route that costs more than <see cref="Budget"/> is refused.
/// Routes that one path can reach together (a route is tried only when the path starts with its literal prefix) and
/// cost more than that together are warned about at start.
/// </summary>
internal static class RouteCost
{
    /// <summary>
    /// The most the routes may cost a line together: counting 5,000 lines/s leaves a line 200 µs, and parsing an
    /// 8 KB line and counting it take a few of them.
    /// </summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMicroseconds(150);

    private const int WarmUps = 3;
    private const int Timed = 5;

    /// <summary>Characters every route is tried with besides those of its pattern: separators, a letter, a digit, and a character that is no ASCII.</summary>
    private const string CommonCharacters = "/.-_a0Z~é";

    /// <summary>
    /// Null when each route (and each path of <c>Watcher:Exclude</c>, tried on every line first) costs at most
    /// <see cref="Budget"/> on any path, else one line naming the first that costs more and its cost.
    /// </summary>
    public static string? Problem(WatcherOptions options) => Measure(options).Problem;

    /// <summary>
    /// Null unless routes that one path can reach cost more than <see cref="Budget"/> together: then one line giving
    /// their cost and naming the costliest. Each is cheap, so they start (many unanchored regexes are ordinary, and
    /// refusing them on this machine's speed would refuse them on one machine and not another), with this warning.
    /// </summary>
    public static string? Warning(WatcherOptions options) => Measure(options).Warning;

    // Measured once per settings: the validator and the start-up warning ask the same.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<WatcherOptions, Tuple<string?, string?>> Measured = [];

    private static (string? Problem, string? Warning) Measure(WatcherOptions options)
    {
        var measured = Measured.GetValue(options, static o => MeasureNow(o).ToTuple());
        return (measured.Item1, measured.Item2);
    }

    private static (string? Problem, string? Warning) MeasureNow(WatcherOptions options)
    {
        var tried = new List<(string Key, RouteOptions Route)>();
        for (int i = 0; i < options.Exclude.Count; i++)
        {
            if (!string.IsNullOrEmpty(options.Exclude[i].Path))
            {
                tried.Add(($"Watcher:Exclude:{i}:Path", new RouteOptions { Name = "excluded", Pattern = options.Exclude[i].Path }));
            }
        }
        for (int i = 0; i < options.Routes.Count; i++)
        {
            tried.Add(($"Watcher:Routes:{i}:{(string.IsNullOrEmpty(options.Routes[i].Regex) ? "Pattern" : "Regex")}", options.Routes[i]));
        }
        var costs = new List<(string Key, byte[] Prefix, TimeSpan Cost)>();
        foreach (var (key, route) in tried)
        {
            bool regex = !string.IsNullOrEmpty(route.Regex);
            var (pathCost, prefix) = PathCost(route);
            if (pathCost > Budget)
            {
                return (Refusal(key, pathCost, regex ? route.Regex! : route.Pattern!, regex), null);
            }
            TimeSpan hostCost = string.IsNullOrEmpty(route.Host) ? TimeSpan.Zero : HostCost(route);
            if (hostCost > Budget)
            {
                return (Refusal(key[..key.LastIndexOf(':')] + ":Host", hostCost, route.Host!, regex: true), null);
            }
            costs.Add((key, prefix, pathCost + hostCost));
        }
        // A path that starts with a route's prefix starts with every shorter prefix of it too: those routes are all tried.
        foreach (var (_, prefix, _) in costs)
        {
            var together = costs.Where(c => prefix.AsSpan().StartsWith(c.Prefix)).ToList();
            var total = TimeSpan.FromTicks(together.Sum(c => c.Cost.Ticks));
            if (together.Count > 1 && total > Budget)
            {
                string names = string.Join(", ", together.OrderByDescending(c => c.Cost).Take(5).Select(c => $"{c.Key} {Describe(c.Cost)}"));
                return (null, $"Watcher:Routes cost up to {Describe(total)} a line together on paths that reach {together.Count} of them ({names}{(together.Count > 5 ? ", ..." : "")}; measured at start on {RouteTable.MaxPathBytes}-byte paths made to be hard for them): on such paths counting falls below 5,000 lines/s, which leaves the routes {Describe(Budget)} a line; give them distinct literal prefixes (^/api/users/ rather than ^/api/.*users), or fewer");
            }
        }
        return (null, null);
    }

    /// <summary>The cost of a route on the hardest paths for it (no host to match), and the literal prefix a path needs before the route costs anything.</summary>
    public static (TimeSpan Cost, byte[] Prefix) PathCost(RouteOptions route)
    {
        // The route alone, without its host (measured apart): what counting runs for each line.
        var table = new RouteTable([new RouteOptions { Name = route.Name, Pattern = route.Pattern, Regex = route.Regex, Replacement = route.Replacement, MaxValues = route.MaxValues }]);
        string text = string.IsNullOrEmpty(route.Regex) ? route.Pattern! : route.Regex!;
        string prefix = string.IsNullOrEmpty(route.Regex)
            ? (route.Pattern!.IndexOf('*', StringComparison.Ordinal) is var star and >= 0 ? route.Pattern[..star] : route.Pattern)
            : RouteRegex.LiteralPrefix(route.Regex);
        return (Hardest(text, prefix, path => table.Match(path, default)), Encoding.UTF8.GetBytes(prefix));
    }

    /// <summary>The cost of a route's host regex on the hardest hosts for it, the path matching.</summary>
    public static TimeSpan HostCost(RouteOptions route)
    {
        var table = new RouteTable([new RouteOptions { Name = route.Name, Pattern = "/", Host = route.Host }]);
        byte[] path = "/"u8.ToArray();
        return Hardest(route.Host!, RouteRegex.LiteralPrefix(route.Host!), host => table.Match(path, host));
    }

    private delegate int Matcher(ReadOnlySpan<byte> input);

    /// <summary>The median cost of the kind of input that costs most.</summary>
    private static TimeSpan Hardest(string pattern, string prefix, Matcher match)
    {
        // The characters the pattern names (at most 24 of them), and a few every path has.
        byte[][] alphabet = [.. pattern.Where(c => c > ' ' && c != 0x7F).Distinct().Take(24).Concat(CommonCharacters).Distinct()
            .Select(c => Encoding.UTF8.GetBytes(c.ToString()))];
        // Each kind of input: a run of one character, a random mix of two, a random mix of all.
        var kinds = new List<byte[][]>();
        foreach (byte[] c in alphabet)
        {
            kinds.Add([c]);
        }
        for (int i = 0; i < alphabet.Length; i++)
        {
            kinds.Add([alphabet[i], alphabet[(i + 1) % alphabet.Length]]);
        }
        kinds.Add(alphabet);
        var random = new Random(18);
        byte[] start = Encoding.UTF8.GetBytes(prefix);
        byte[] input = new byte[RouteTable.MaxPathBytes];
        var times = new long[Timed];
        TimeSpan hardest = TimeSpan.Zero;
        foreach (byte[][] kind in kinds)
        {
            for (int i = 0; i < WarmUps + Timed; i++)
            {
                int length = Fill(input, start, kind, random);
                long before = LibC.ThreadCpuNanoseconds();
                match(input.AsSpan(0, length));
                if (i >= WarmUps)
                {
                    times[i - WarmUps] = LibC.ThreadCpuNanoseconds() - before;
                }
            }
            Array.Sort(times);
            var median = TimeSpan.FromTicks(times[Timed / 2] / 100);
            if (median > hardest)
            {
                hardest = median;
                if (hardest > Budget * 4)
                {
                    break; // refused whatever the other kinds cost
                }
            }
        }
        return hardest;
    }

    /// <summary>The prefix, then characters of <paramref name="kind"/> at random, as far as whole characters fit; the length.</summary>
    private static int Fill(byte[] input, byte[] prefix, byte[][] kind, Random random)
    {
        int length = Math.Min(prefix.Length, input.Length);
        prefix.AsSpan(0, length).CopyTo(input);
        while (true)
        {
            byte[] c = kind[random.Next(kind.Length)];
            if (length + c.Length > input.Length)
            {
                return length;
            }
            c.CopyTo(input, length);
            length += c.Length;
        }
    }

    private static string Refusal(string key, TimeSpan cost, string text, bool regex) =>
        $"{key} costs up to {Describe(cost)} a line (measured at start on {RouteTable.MaxPathBytes}-byte paths made to be hard for it): counting would fall below 5,000 lines/s, which leaves the routes {Describe(Budget)} a line; "
        + (regex ? "simplify it (after a .*, a counted repetition such as .{20} makes the engine track every position in the path)" : "use fewer *")
        + $" (got \"{text}\")";

    private static string Describe(TimeSpan cost) =>
        cost >= TimeSpan.FromMilliseconds(1) ? $"{cost.TotalMilliseconds:0.#} ms" : $"{cost.TotalMicroseconds:0} µs";
}
