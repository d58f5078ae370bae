using System.Buffers;
using System.Globalization;
using System.Text;

namespace Sidecars.Hosting;

/// <summary>
/// The standard <c>process_*</c> metrics with the names and meanings of the Prometheus Go client:
/// CPU seconds, resident and virtual memory, start time, open and maximum file descriptors. Read
/// from <c>/proc</c> at each rendering (prometheus-net's own process collector uses other names and
/// has no file descriptor counts). Where <c>/proc</c> is missing (not Linux) nothing is written.
/// </summary>
internal sealed class ProcessMetrics : IMetricsSource
{
    // USER_HZ: the unit of the CPU times in /proc, 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;
    private readonly string _proc;
    private readonly double? _startTimeSeconds;

    public ProcessMetrics() : this("/proc") { }

    internal ProcessMetrics(string procRoot)
    {
        _proc = procRoot;
        _startTimeSeconds = ReadStartTime();
    }

    /// <summary>Constant: CPU and memory change all the time, and may wait for the next rendering.</summary>
    public long Version => 0;

    public void WriteTo(IBufferWriter<byte> output)
    {
        if (ReadStat() is not { } stat)
        {
            return;
        }
        var text = new StringBuilder(1024);
        Write(text, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter",
            (stat.UserTicks + stat.SystemTicks) / TicksPerSecond);
        Write(text, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", stat.ResidentPages * (double)Environment.SystemPageSize);
        Write(text, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", stat.VirtualBytes);
        if (_startTimeSeconds is { } start)
        {
            Write(text, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", start);
        }
        if (CountOpenFiles() is { } open)
        {
            Write(text, "process_open_fds", "Number of open file descriptors.", "gauge", open);
        }
        if (ReadMaxOpenFiles() is { } max)
        {
            Write(text, "process_max_fds", "Maximum number of open file descriptors.", "gauge", max);
        }
        Encoding.UTF8.GetBytes(text.ToString(), output);
    }

    private static void Write(StringBuilder text, string name, string help, string type, double value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n')
            .Append(name).Append(' ').Append(FormatValue(value)).Append('\n');
    }

    internal static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private ProcStat? ReadStat()
    {
        try
        {
            return ProcStat.Parse(File.ReadAllText(Path.Combine(_proc, "self", "stat")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private double? ReadStartTime()
    {
        try
        {
            if (ReadStat() is not { } stat)
            {
                return null;
            }
            long? bootTime = ProcStat.ParseBootTime(File.ReadAllText(Path.Combine(_proc, "stat")));
            return bootTime is { } boot ? boot + stat.StartTicks / TicksPerSecond : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private int? CountOpenFiles()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(Path.Combine(_proc, "self", "fd")).Count();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private double? ReadMaxOpenFiles()
    {
        try
        {
            return ProcStat.ParseMaxOpenFiles(File.ReadAllText(Path.Combine(_proc, "self", "limits")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
