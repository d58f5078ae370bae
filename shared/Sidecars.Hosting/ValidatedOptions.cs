using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sidecars.Hosting;

/// <summary>How both services register a settings section: bound, checked by its validator when the host starts.</summary>
public static class ValidatedOptions
{
    /// <summary>
    /// Registers <typeparamref name="TOptions"/> from <paramref name="section"/> with <typeparamref name="TValidator"/>,
    /// checked before anything starts (<see cref="SidecarHost"/> prints each failure as one line). The caller binds
    /// (<c>(section, o) =&gt; section.Bind(o)</c>) so the configuration binding source generator sees the concrete type
    /// at the call site: a generic <c>Bind</c> here would fall back to reflection, which Native AOT cannot do.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this IServiceCollection services, IConfigurationSection section, Action<IConfigurationSection, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>()
            .Configure(options =>
            {
                TakeExporterDurations<TOptions>(section);
                bind(section, options);
            })
            .ValidateOnStart();
    }

    /// <summary>
    /// Rewrites every duration setting of <typeparamref name="TOptions"/> given in the exporters' syntax (<c>250ms</c>,
    /// <c>5s</c>) to .NET's (<c>00:00:00.250</c>) before binding, from whichever source it came (command line,
    /// environment, appsettings.json); a value that is no duration at all is one line naming the setting, the value
    /// and the syntax, never a .NET type name.
    /// </summary>
    private static void TakeExporterDurations<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(IConfigurationSection section)
    {
        foreach (var property in typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.PropertyType != typeof(TimeSpan) && property.PropertyType != typeof(TimeSpan?))
            {
                continue;
            }
            string? text = section[property.Name];
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }
            if (!Durations.TryParse(text, out var duration))
            {
                throw new ConfigurationException($"{section.Path}:{property.Name}: \"{text}\" is not {Durations.Syntax}");
            }
            section[property.Name] = duration.ToString("c", CultureInfo.InvariantCulture);
        }
    }
}
