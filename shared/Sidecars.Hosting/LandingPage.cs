using System.Net;
using System.Text;

namespace Sidecars.Hosting;

/// <summary>
/// The page at <c>/</c>, as the Prometheus exporter guide asks: the service, its version and links to
/// what it serves. Links are relative, so the page also works behind a proxy that adds a path prefix.
/// </summary>
internal static class LandingPage
{
    public static byte[] Render(string serviceName, string version, string runtime)
    {
        string name = WebUtility.HtmlEncode(serviceName);
        string html = $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>{name}</title></head>
            <body>
            <h1>{name}</h1>
            <p>Version {WebUtility.HtmlEncode(version)} ({WebUtility.HtmlEncode(runtime)})</p>
            <ul>
            <li><a href="metrics">/metrics</a>: Prometheus metrics</li>
            <li><a href="healthz">/healthz</a>: liveness</li>
            <li><a href="readyz">/readyz</a>: readiness</li>
            </ul>
            </body>
            </html>

            """;
        return Encoding.UTF8.GetBytes(html);
    }
}
