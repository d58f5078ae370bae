using Microsoft.Extensions.Logging;

namespace Sidecars.Testing;

/// <summary>A logger that keeps every line it is given, with its level and event id.</summary>
public class RecordedLog : ILogger
{
    private readonly List<(LogLevel Level, EventId Event, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, EventId Event, string Message)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The messages logged at <paramref name="level"/>, in order.</summary>
    public IReadOnlyList<string> At(LogLevel level) => [.. Lines.Where(l => l.Level == level).Select(l => l.Message)];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}

/// <summary>The same, for a class that asks for its own category's logger.</summary>
public sealed class RecordedLog<T> : RecordedLog, ILogger<T>;
