using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Sidecars.Testing;

/// <summary>The event ids of the source-generated log lines of a binary's assemblies, held to each assembly's table.</summary>
public static class EventIds
{
    /// <summary>
    /// What breaks the rules, empty when all is well: each assembly has one table of events (a static class named
    /// <c>...Events</c> of constants in ascending order), every log method takes its id from its assembly's table
    /// under its own name, every id in the tables is logged by exactly one method, and no two tables share an id.
    /// </summary>
    public static List<string> Problems(params Assembly[] assemblies)
    {
        List<string> problems = [];
        List<(string Table, string Name, int Id)> events = [];
        foreach (var assembly in assemblies)
        {
            var tables = assembly.GetTypes().Where(t => t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Events", StringComparison.Ordinal)).ToList();
            if (tables.Count != 1)
            {
                problems.Add($"{assembly.GetName().Name} has {tables.Count} tables of events, not one");
                continue;
            }
            var table = tables[0];
            var ids = table.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(f => f.IsLiteral)
                .Select(f => (Table: table.Name, f.Name, Id: (int)f.GetRawConstantValue()!))
                .ToList();
            problems.AddRange(ids.Zip(ids.Skip(1)).Where(p => p.First.Id >= p.Second.Id)
                .Select(p => $"{table.Name}.{p.Second.Name} ({p.Second.Id}) is not after {p.First.Name} ({p.First.Id})"));
            events.AddRange(ids);

            var methods = assembly.GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
                .Where(m => m.Attribute is not null)
                .ToList();
            if (methods.Count == 0)
            {
                problems.Add($"{assembly.GetName().Name} has no log methods");
            }
            problems.AddRange(methods
                .Where(m => !ids.Contains((table.Name, m.Attribute!.EventName ?? m.Method.Name, m.Attribute.EventId)))
                .Select(m => $"{m.Method.DeclaringType!.Name}.{m.Method.Name} logs event {m.Attribute!.EventId} as " +
                    $"{m.Attribute.EventName ?? m.Method.Name}, which {table.Name} does not declare"));
            problems.AddRange(ids
                .Select(e => (e, Users: methods.Where(m => m.Attribute!.EventId == e.Id).Select(m => $"{m.Method.DeclaringType!.Name}.{m.Method.Name}").ToList()))
                .Where(u => u.Users.Count != 1)
                .Select(u => $"{u.e.Table}.{u.e.Name} ({u.e.Id}) is logged by {u.Users.Count} methods: {string.Join(", ", u.Users)}"));
        }
        problems.AddRange(events.GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"event id {g.Key} is declared by {string.Join(", ", g.Select(e => $"{e.Table}.{e.Name}"))}"));
        return problems;
    }
}
