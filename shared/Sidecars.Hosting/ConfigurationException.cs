namespace Sidecars.Hosting;

/// <summary>
/// A setting is wrong. The message is one line that names the setting and the problem,
/// e.g. <c>Writer:Interval must be greater than zero (got 0s)</c>; the host prints it and exits with code 2.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public ConfigurationException(string message) : base(message) { }

    /// <summary>Creates the exception with its one-line message and the cause.</summary>
    public ConfigurationException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception without a message (for serializers).</summary>
    public ConfigurationException() { }
}
