using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sidecars.Hosting;

namespace Sidecars.Writer;

/// <summary>Registers the writer on a host made by <see cref="Sidecars.Hosting.SidecarHost"/>.</summary>
internal static class WriterHostExtensions
{
    public static HostApplicationBuilder AddWriter(this HostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<WriterOptions, WriterOptionsValidator>(
            builder.Configuration.GetSection(WriterOptions.Section), static (section, o) => section.Bind(o));
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
