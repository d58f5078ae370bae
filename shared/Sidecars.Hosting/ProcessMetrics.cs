using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Sidecars.Hosting;

/// <summary>
/// The standard <c>process_*</c> metrics with the names and meanings of the Prometheus Go client:
/// CPU seconds, resident and virtual memory, start time, open and maximum file descriptors. Read
/// from <c>/proc</c> at each rendering (prometheus-net's own process collector uses other names and
/// has no file descriptor counts). Where <c>/proc</c> is missing (not Linux) nothing is written.
/// A rendering reads <c>stat</c> and <c>limits</c> again through handles opened once (a read at offset 0
/// makes the kernel write them anew), and counts the open descriptors with one <c>stat</c> of
/// <c>/proc/self/fd</c> (its size is the count since Linux 6.2; older kernels say 0, and the folder is listed):
/// listing it costs two path lookups per descriptor, most of what a small scrape spent in <c>/proc</c>.
/// Rendered one rendering at a time (<see cref="ExpositionCache"/>), so one buffer serves every read.
/// </summary>
internal sealed partial class ProcessMetrics : IMetricsSource, IDisposable
{
    // USER_HZ: the unit of the CPU times in /proc, 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;
    // glibc's struct stat on x86_64 and aarch64: st_size at 48 (8 bytes).
    private const int StatBufferSize = 256, StatSizeOffset = 48;
    private readonly string _proc;
    private readonly double? _startTimeSeconds;
    private readonly byte[] _text = new byte[4096];
    private SafeFileHandle? _stat, _limits;

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
            return ProcStat.Parse(ReadAgain(ref _stat, "stat"));
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
        string folder = Path.Combine(_proc, "self", "fd");
        Span<byte> status = stackalloc byte[StatBufferSize];
        if (_proc == "/proc" && Native.Stat(folder, status) == 0 && BitConverter.ToInt64(status[StatSizeOffset..]) is > 0 and <= int.MaxValue and var count)
        {
            return (int)count;
        }
        try
        {
            return Directory.EnumerateFileSystemEntries(folder).Count();
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
            return ProcStat.ParseMaxOpenFiles(ReadAgain(ref _limits, "limits"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The text of <c>/proc/self/NAME</c> now, through a handle opened at the first read.</summary>
    private string ReadAgain(ref SafeFileHandle? handle, string name)
    {
        handle ??= File.OpenHandle(Path.Combine(_proc, "self", name));
        int length = RandomAccess.Read(handle, _text, 0);
        return Encoding.ASCII.GetString(_text, 0, length);
    }

    public void Dispose()
    {
        _stat?.Dispose();
        _limits?.Dispose();
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Stat(string path, Span<byte> buffer);
    }
}
