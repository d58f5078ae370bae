using System.Buffers;
using System.Globalization;

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
        var w = new ExpositionWriter(output);
        w.Family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
            (stat.UserTicks + stat.SystemTicks) / TicksPerSecond);
        w.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", stat.ResidentPages * (double)Environment.SystemPageSize);
        w.Family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", stat.VirtualBytes);
        if (_startTimeSeconds is { } start)
        {
            w.Family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", start);
        }
        if (CountOpenFiles() is { } open)
        {
            w.Family("process_open_fds", "gauge", "Number of open file descriptors.", open);
        }
        if (ReadMaxOpenFiles() is { } max)
        {
            w.Family("process_max_fds", "gauge", "Maximum number of open file descriptors.", max);
        }
        w.Flush();
    }

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
