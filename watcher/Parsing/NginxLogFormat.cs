namespace Sidecars.Watcher.Parsing;

/// <summary>A <c>log_format</c> as nginx reads it from its config: the concatenated format text and its escaping.</summary>
internal sealed record NginxLogFormat(string Name, string Format, LogEscape Escape);
