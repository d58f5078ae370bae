using System.Text;

namespace Sidecars.Tests.Manifests;

/// <summary>
/// Just enough of nginx's config syntax to read the ConfigMap: statements of words and quoted
/// strings ended by `;`, `#` comments outside quotes, and blocks: `server {` is a statement that
/// ends with the word `{`, and each `}` is a statement of its own.
/// </summary>
internal static class NginxConfigText
{
    public static List<List<string>> Statements(string config)
    {
        var statements = new List<List<string>>();
        var words = new List<string>();
        var word = new StringBuilder();
        for (var i = 0; i < config.Length; i++)
        {
            var c = config[i];
            if (c is '\'' or '"')
            {
                var end = config.IndexOf(c, i + 1);
                Assert.True(end > i, $"unterminated quote at {i}");
                words.Add(config[(i + 1)..end]);
                i = end;
            }
            else if (c == '#')
            {
                var end = config.IndexOf('\n', i);
                i = end < 0 ? config.Length : end;
            }
            else if (c == '{')
            {
                FlushWord();
                words.Add("{");
                statements.Add(words);
                words = [];
            }
            else if (c == '}')
            {
                FlushWord();
                Assert.True(words.Count == 0, $"statement without `;` before `}}` at {i}");
                statements.Add(["}"]);
            }
            else if (char.IsWhiteSpace(c) || c == ';')
            {
                if (word.Length > 0)
                {
                    words.Add(word.ToString());
                    word.Clear();
                }
                if (c == ';')
                {
                    statements.Add(words);
                    words = [];
                }
            }
            else
            {
                word.Append(c);
            }
        }
        Assert.True(word.Length == 0 && words.Count == 0, "statement without `;` at the end");
        Assert.True(statements.Count(s => s is [.., "{"]) == statements.Count(s => s is ["}"]), "unbalanced braces");
        return statements;

        void FlushWord()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
    }

    /// <summary>The format of `log_format NAME [escape=...] 'part' 'part' ...;`, parts joined as nginx joins them.</summary>
    public static string LogFormat(string config, string name)
    {
        var statement = Assert.Single(Statements(config), s => s.Count > 2 && s[0] == "log_format" && s[1] == name);
        return string.Concat(statement.Skip(2).Where(part => !part.StartsWith("escape=", StringComparison.Ordinal)));
    }

    /// <summary>The `access_log PATH FORMAT;` lines, as (path, format name).</summary>
    public static IEnumerable<(string Path, string Format)> AccessLogs(string config) =>
        Statements(config)
            .Where(s => s.Count >= 3 && s[0] == "access_log")
            .Select(s => (s[1], s[2]));
}
