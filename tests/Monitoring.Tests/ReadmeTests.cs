using Sidecars.Testing;

namespace Sidecars.Tests.Monitoring;

/// <summary>
/// The root README leads with the product: at most 300 lines, its first 25 say what the sidecars do, how to see
/// it and how to add it to your nginx, and it points to where monitoring and its runbooks are.
/// </summary>
public sealed class ReadmeTests
{
    private static readonly MarkdownDocument Readme = MarkdownDocument.Load("README.md");

    [Fact]
    public void Readme_has_at_most_300_lines()
    {
        Assert.InRange(Readme.Lines.Length, 1, 300);
    }

    [Fact]
    public void First_25_lines_say_what_it_does_how_to_see_it_and_how_to_add_it_to_your_nginx()
    {
        string top = string.Join('\n', Readme.Lines.Take(25));
        Assert.Contains("**watcher**", top, StringComparison.Ordinal);
        Assert.Contains("**writer**", top, StringComparison.Ordinal);
        Assert.Contains("nginx_http_requests_total{", top, StringComparison.Ordinal);
        Assert.Contains("**See it:** `make demo`", top, StringComparison.Ordinal);
        Assert.Contains("**Add it to your nginx:**", top, StringComparison.Ordinal);
        Assert.Contains("(#add-it-to-your-nginx)", top, StringComparison.Ordinal);
        Assert.Contains("add-it-to-your-nginx", Readme.Anchors());
    }

    [Fact]
    public void Monitoring_section_says_how_to_load_it_and_where_the_runbooks_are()
    {
        string monitoring = Readme.Section("### Monitoring");
        Assert.Contains("kubectl apply -k monitoring/", monitoring, StringComparison.Ordinal);
        Assert.Contains("(docs/monitoring.md)", monitoring, StringComparison.Ordinal);
        Assert.Contains("(docs/runbooks.md)", monitoring, StringComparison.Ordinal);
    }
}
