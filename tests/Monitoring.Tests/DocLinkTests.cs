using Sidecars.Testing;

namespace Sidecars.Tests.Monitoring;

/// <summary>Every relative link in the repository's Markdown files reaches a file, and its anchor a heading there.</summary>
public sealed class DocLinkTests
{
    public static TheoryData<string> Files() =>
        [.. MarkdownDocument.AllFiles().Select(path => Path.GetRelativePath(RepositoryLayout.Root, path))];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_relative_link_reaches_a_file_and_a_heading(string file)
    {
        var doc = MarkdownDocument.Load(file);
        var broken = new List<string>();
        foreach (string link in doc.Links())
        {
            if (link.Contains("://", StringComparison.Ordinal) || link.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }
            int hash = link.IndexOf('#', StringComparison.Ordinal);
            string target = hash < 0 ? link : link[..hash];
            string? anchor = hash < 0 ? null : link[(hash + 1)..];
            string path = target.Length == 0 ? doc.Path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(doc.Path)!, target));
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                broken.Add($"{link}: no such file");
            }
            else if (anchor is not null && !(path.EndsWith(".md", StringComparison.Ordinal) && MarkdownDocument.LoadFile(path).Anchors().Contains(anchor)))
            {
                broken.Add($"{link}: no heading with that anchor");
            }
        }
        Assert.True(broken.Count == 0, $"{file}: {string.Join("; ", broken)}");
    }

    [Fact]
    public void Anchors_are_what_GitHub_makes_of_the_headings()
    {
        Assert.Equal("the-states-size-and-what-a-saved-state-must-be", MarkdownDocument.Slug("The state's size, and what a saved state must be"));
        Assert.Equal("nginxs-stub_status", MarkdownDocument.Slug("nginx's `stub_status`"));
        Assert.Equal("past-the-bare-pods-the-webserver-deployment", MarkdownDocument.Slug("Past the bare pods: the `webserver` Deployment"));
    }
}
