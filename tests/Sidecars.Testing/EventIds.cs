using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Sidecars.Testing;

/// <summary>The event ids of the source-generated log lines of a binary's assemblies.</summary>
public static class EventIds
{
    /// <summary>Log methods without an event id, and ids used by more than one method: empty when all is well.</summary>
    public static List<string> Problems(params Assembly[] assemblies)
    {
        var methods = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Name: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();
        if (methods.Count == 0)
        {
            return ["no log methods found"];
        }
        return
        [
            .. methods.Where(m => m.Attribute!.EventId <= 0).Select(m => $"{m.Name} has no event id"),
            .. methods.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1)
                .Select(g => $"event id {g.Key} is used by {string.Join(", ", g.Select(m => m.Name))}"),
        ];
    }
}
