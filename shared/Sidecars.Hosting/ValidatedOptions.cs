using System.Diagnostics.CodeAnalysis;
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
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this IServiceCollection services, IConfigurationSection section, Action<IConfigurationSection, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>()
            .Configure(options => bind(section, options))
            .ValidateOnStart();
    }
}
