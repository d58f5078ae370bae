using System.Text;
using System.Text.RegularExpressions;

namespace Sidecars.Testing;

/// <summary>
/// A Markdown file of the repository, read the way the tests that check what the docs promise need it: sections by
/// heading, tables, fenced code blocks, links, and the anchors GitHub gives headings.
/// </summary>
public sealed partial class MarkdownDocument
{
    private MarkdownDocument(string path, string text)
    {
        Path = path;
        // A leading newline lets a heading on the first line be found like any other.
        Text = "\n" + text.ReplaceLineEndings("\n");
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The file's text, after a newline.</summary>
    public string Text { get; }

    /// <summary>The file's lines.</summary>
    public string[] Lines => Text[1..].Split('\n');

    /// <summary>A file by its path from the repository's root.</summary>
    public static MarkdownDocument Load(params string[] parts) => LoadFile(RepositoryLayout.PathOf(parts));

    /// <summary>A file by its full path.</summary>
    public static MarkdownDocument LoadFile(string path) => new(path, File.ReadAllText(path));

    /// <summary>Every Markdown file of the repository, build output and tools' folders left out.</summary>
    public static IEnumerable<string> AllFiles()
    {
        string[] skipped = [".git", ".build", "bin", "obj", "node_modules", "TestResults", ".config"];
        return Directory.EnumerateFiles(RepositoryLayout.Root, "*.md", SearchOption.AllDirectories)
            .Where(path => !System.IO.Path.GetRelativePath(RepositoryLayout.Root, path)
                .Split(System.IO.Path.DirectorySeparatorChar)
                .Any(segment => skipped.Contains(segment, StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>
    /// The section that starts with this heading line (e.g. <c>## Metrics</c>), up to the next heading of the same
    /// level or higher. Throws when there is no such heading.
    /// </summary>
    public string Section(string heading)
    {
        int start = Text.IndexOf($"\n{heading}\n", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"{Path} has no `{heading}`");
        }
        int level = heading.IndexOf(' ', StringComparison.Ordinal);
        int bodyStart = start + heading.Length + 2;
        var next = Regex.Match(Text[bodyStart..], $"^#{{1,{level}}} ", RegexOptions.Multiline);
        // Headings inside fenced code blocks (shell comments) are not headings.
        while (next.Success && InsideFence(bodyStart + next.Index))
        {
            next = next.NextMatch();
        }
        return next.Success ? Text[start..(bodyStart + next.Index)] : Text[start..];
    }

    /// <summary>The titles of the headings of this level in the text (a section of this file).</summary>
    public IEnumerable<string> Headings(string text, int level) =>
        Regex.Matches(text, $"^{new string('#', level)} (?<title>.+)$", RegexOptions.Multiline)
            .Where(m => !InsideFence(Text.IndexOf(m.Value, StringComparison.Ordinal)))
            .Select(m => m.Groups["title"].Value);

    /// <summary>The rows of the Markdown tables in the text, as trimmed cells, header and rule rows left out.</summary>
    public static IEnumerable<string[]> TableRows(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            bool isRow = lines[i].StartsWith('|');
            bool isHeader = i + 1 < lines.Length && lines[i + 1].StartsWith("| ---", StringComparison.Ordinal);
            bool isRule = lines[i].StartsWith("| ---", StringComparison.Ordinal);
            if (isRow && !isHeader && !isRule)
            {
                yield return lines[i].Split('|', StringSplitOptions.TrimEntries)[1..^1];
            }
        }
    }

    /// <summary>The contents of the fenced code blocks of this language (<c>```nginx</c>), without their indentation.</summary>
    public IEnumerable<string> CodeBlocks(string language)
    {
        foreach (Match m in FencedBlock().Matches(Text))
        {
            if (m.Groups["lang"].Value == language)
            {
                string indent = m.Groups["indent"].Value;
                var lines = m.Groups["body"].Value.Split('\n')
                    .Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l.TrimStart());
                yield return string.Join('\n', lines);
            }
        }
    }

    /// <summary>The targets of the links in the file, outside code blocks and code spans.</summary>
    public IEnumerable<string> Links()
    {
        string prose = string.Join('\n', Text.Split('\n').Where((_, i) => !LineInsideFence(i)));
        prose = CodeSpan().Replace(prose, "");
        return Link().Matches(prose).Select(m => m.Groups["target"].Value);
    }

    /// <summary>The anchors GitHub gives the file's headings (<c>## The state's size</c>: <c>the-states-size</c>).</summary>
    public IReadOnlySet<string> Anchors()
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = Text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var heading = HeadingLine().Match(lines[i]);
            if (!heading.Success || LineInsideFence(i))
            {
                continue;
            }
            string slug = Slug(heading.Groups["title"].Value);
            // GitHub numbers repeated headings: slug, slug-1, slug-2.
            int count = seen.TryGetValue(slug, out int n) ? n : 0;
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    /// <summary>GitHub's anchor for a heading: lowercase, punctuation but <c>-</c> and <c>_</c> removed, spaces as <c>-</c>.</summary>
    public static string Slug(string title)
    {
        var slug = new StringBuilder(title.Length);
        foreach (char c in title.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }
        return slug.ToString();
    }

    private bool InsideFence(int index) => LineInsideFence(Text[..index].Count(c => c == '\n'));

    private bool LineInsideFence(int lineIndex)
    {
        string[] lines = Text.Split('\n');
        bool inside = false;
        for (int i = 0; i < lineIndex && i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inside = !inside;
            }
        }
        return inside;
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)```(?<lang>[a-z]*)\n(?<body>.*?)\n[ \t]*```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (?<title>.+?)\s*$")]
    private static partial Regex HeadingLine();
}
