using System.Buffers;
using System.Text;
using Sidecars.Hosting;
using Sidecars.Testing;

namespace Sidecars.Tests.Hosting;

/// <summary>The process metrics read from /proc: the open descriptors counted as they change, from the real /proc and from a copy of its shape.</summary>
public sealed class ProcessMetricsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("process-metrics-").FullName;

    [Fact]
    public void Open_descriptors_follow_the_files_the_process_opens_and_closes()
    {
        using var metrics = new ProcessMetrics();
        double before = Value(metrics, "process_open_fds");
        var opened = Enumerable.Range(0, 40).Select(_ => File.OpenHandle(typeof(ProcessMetricsTests).Assembly.Location)).ToList();
        double during = Value(metrics, "process_open_fds");
        opened.ForEach(h => h.Dispose());
        double after = Value(metrics, "process_open_fds");

        // Other threads of the test host may open or close a few meanwhile.
        Assert.InRange(during - before, 35, 45);
        Assert.InRange(during - after, 35, 45);
        Assert.InRange(after, 3, Directory.GetFileSystemEntries("/proc/self/fd").Length + 5);
    }

    [Fact]
    public void Stat_and_limits_are_read_anew_at_each_rendering_and_a_copied_proc_is_listed()
    {
        string self = Path.Combine(_root, "self");
        Directory.CreateDirectory(Path.Combine(self, "fd"));
        foreach (int fd in Enumerable.Range(0, 7))
        {
            File.WriteAllText(Path.Combine(self, "fd", fd.ToString(System.Globalization.CultureInfo.InvariantCulture)), "");
        }
        File.WriteAllText(Path.Combine(_root, "stat"), "cpu 1 2 3\nbtime 1700000000\n");
        WriteStat(self, userTicks: 150);
        File.WriteAllText(Path.Combine(self, "limits"), "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n");
        using var metrics = new ProcessMetrics(_root);

        Assert.Equal(1.5, Value(metrics, "process_cpu_seconds_total"));
        Assert.Equal(7, Value(metrics, "process_open_fds"));
        Assert.Equal(1024, Value(metrics, "process_max_fds"));

        // The same file written anew (as the kernel does) is read again through the handle kept open.
        WriteStat(self, userTicks: 250, inPlace: true);
        File.WriteAllText(Path.Combine(self, "fd", "7"), "");
        Assert.Equal(2.5, Value(metrics, "process_cpu_seconds_total"));
        Assert.Equal(8, Value(metrics, "process_open_fds"));
    }

    private static void WriteStat(string self, long userTicks, bool inPlace = false)
    {
        // Fields from 3 on: state, then 10 numbers up to utime (field 14), stime, ... starttime (22), vsize (23), rss (24).
        string text = $"42 (watcher) S 1 42 42 0 -1 0 0 0 0 0 {userTicks} 0 0 0 20 0 11 0 500 123456789 2000 0\n";
        string path = Path.Combine(self, "stat");
        if (inPlace)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.Write(Encoding.ASCII.GetBytes(text));
            return;
        }
        File.WriteAllText(path, text);
    }

    private static double Value(ProcessMetrics metrics, string name)
    {
        var text = new ArrayBufferWriter<byte>();
        metrics.WriteTo(text);
        return Exposition.Value(Encoding.UTF8.GetString(text.WrittenSpan), name);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
