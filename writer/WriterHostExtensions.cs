using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Sidecars.Writer;

/// <summary>Registers the writer on a host made by <see cref="Sidecars.Hosting.SidecarHost"/>.</summary>
internal static class WriterHostExtensions
{
    public static HostApplicationBuilder AddWriter(this HostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<WriterOptions>, WriterOptionsValidator>();
        builder.Services.AddOptions<WriterOptions>()
            .Bind(builder.Configuration.GetSection(WriterOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<WriterMetrics>();
        builder.Services.AddSingleton<IIndexFile>(services =>
        {
            var options = services.GetRequiredService<IOptions<WriterOptions>>().Value;
            return new IndexFileAppender(options.Path, options.MaxLines);
        });
        builder.Services.AddHostedService<WriterService>();
        return builder;
    }
}
