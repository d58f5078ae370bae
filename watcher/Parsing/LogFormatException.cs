namespace Sidecars.Watcher.Parsing;

/// <summary>A format string nginx would not accept or that cannot be parsed; <see cref="Position"/> is the 0-based character index in the format.</summary>
internal sealed class LogFormatException(string message, int position) : Exception(message)
{
    public int Position { get; } = position;
}
