using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Sidecars.Watcher;
using Sidecars.Watcher.Metrics;
using Sidecars.Watcher.Parsing;
using Sidecars.Watcher.State;
using Sidecars.Watcher.Tailing;

namespace Sidecars.Watcher.Benchmarks;

/// <summary>
/// <c>save-cost</c>: CPU time of one state save, the watcher's <see cref="StateStore"/> (two slots written in
/// place) against the previous way (the whole file to a temporary file, then renamed over the state file),
/// with the same values, in one process, on the same folder. Prints µs of CPU per save (the thread's own CPU
/// clock, so waiting for the disk is not counted) for a small state (1 label set, the usual pod) and a full one
/// (500 label sets, the default cap).
/// </summary>
internal static class SaveCost
{
    public static int Run(string folder, int saves)
    {
        Directory.CreateDirectory(folder);
        Console.WriteLine($"save-cost: {saves} saves each, µs of CPU per save (thread CPU clock)");
        Console.WriteLine("  label sets  state bytes  temp file + rename  two slots in place  ratio");
        foreach (int labelSets in new[] { 1, 500 })
        {
            var state = StateOf(labelSets);
            string oldFolder = Path.Combine(folder, $"rename-{labelSets}");
            string newFolder = Path.Combine(folder, $"slots-{labelSets}");
            Directory.CreateDirectory(oldFolder);
            Directory.CreateDirectory(newFolder);
            using var slots = new StateStore(newFolder);
            using var rename = new RenameStore(oldFolder);
            // Warm up both (JIT, page cache), then measure them interleaved so machine noise hits both alike.
            for (int i = 0; i < 50; i++)
            {
                rename.Save(state);
                slots.Save(state);
            }
            double renameNs = 0, slotNs = 0;
            for (int i = 0; i < saves; i++)
            {
                long t0 = LibC.ThreadCpuNanoseconds();
                rename.Save(state);
                long t1 = LibC.ThreadCpuNanoseconds();
                slots.Save(state);
                long t2 = LibC.ThreadCpuNanoseconds();
                renameNs += t1 - t0;
                slotNs += t2 - t1;
            }
            long bytes = new FileInfo(rename.Path).Length;
            Console.WriteLine($"  {labelSets,10}  {bytes,11}  {renameNs / saves / 1000,18:F1}  {slotNs / saves / 1000,18:F1}  {renameNs / slotNs,5:F1}x");
        }
        BuildCost(saves);
        RenderCost(saves);
        return 0;
    }

    /// <summary>µs of CPU to build the saved form of the values (what a save does before it serializes).</summary>
    private static void BuildCost(int builds)
    {
        Console.WriteLine($"build-cost: {builds} builds each, µs of CPU per state built from the values (thread CPU clock)");
        var checkpoint = new TailCheckpoint([new LogPosition("/var/log/nginx/access.log", new TailPosition(new FileIdentity(new FileId(2049, 1234567), 0xABCDEF, 1024), 987654321), [], [])], 0, 0);
        foreach (int labelSets in new[] { 1, 500 })
        {
            var values = ValuesOf(labelSets);
            for (int i = 0; i < 50; i++)
            {
                StateMapping.ToState(values, checkpoint, DateTimeOffset.UtcNow);
            }
            int gcs = GC.CollectionCount(0);
            long ns = 0;
            for (int i = 0; i < builds; i++)
            {
                long t0 = LibC.ThreadCpuNanoseconds();
                StateMapping.ToState(values, checkpoint, DateTimeOffset.UtcNow);
                ns += LibC.ThreadCpuNanoseconds() - t0;
            }
            Console.WriteLine($"  {labelSets,10} label sets  {ns / (double)builds / 1000,10:F1} µs  {GC.CollectionCount(0) - gcs} gen0 collections");
        }
    }

    /// <summary>µs of CPU of one rendering of the watcher's own families (what a scrape renders besides a few small ones).</summary>
    private static void RenderCost(int renderings)
    {
        Console.WriteLine($"render-cost: {renderings} renderings each, µs of CPU per rendering (thread CPU clock)");
        foreach (int labelSets in new[] { 1, 500 })
        {
            var values = ValuesOf(labelSets);
            var text = new ArrayBufferWriter<byte>(1 << 20);
            for (int i = 0; i < 50; i++)
            {
                text.ResetWrittenCount();
                Exposition.Write(text, values);
            }
            long ns = 0;
            for (int i = 0; i < renderings; i++)
            {
                text.ResetWrittenCount();
                long t0 = LibC.ThreadCpuNanoseconds();
                Exposition.Write(text, values);
                ns += LibC.ThreadCpuNanoseconds() - t0;
            }
            Console.WriteLine($"  {labelSets,10} label sets  {text.WrittenCount,9} bytes  {ns / (double)renderings / 1000,10:F1} µs");
        }
    }

    /// <summary>A format with every variable a family is fed by: the largest state.</summary>
    private static readonly LogFormat EveryVariable = LogFormat.Compile(
        "\"$request\" $status $body_bytes_sent $bytes_sent $request_length $request_time $upstream_response_time $upstream_connect_time $upstream_header_time $upstream_cache_status");

    private static WatcherStateFile StateOf(int labelSets)
    {
        var checkpoint = new TailCheckpoint([new LogPosition("/var/log/nginx/access.log", new TailPosition(new FileIdentity(new FileId(2049, 1234567), 0xABCDEF, 1024), 987654321), [], [])], 0, 0);
        return StateMapping.ToState(ValuesOf(labelSets), checkpoint, DateTimeOffset.UtcNow);
    }

    private static MetricValues ValuesOf(int labelSets)
    {
        var layout = new MetricsLayout(RequestLabels.Dimensions(RouteTable.FromOptions([]), statusClasses: false), WatcherOptions.DefaultDurationBuckets,
            WatcherOptions.DefaultSizeBuckets, 500, FormatFeatures.Of(EveryVariable));
        var values = new MetricValues(layout);
        var random = new Random(7);
        for (int i = 0; i < labelSets; i++)
        {
            int id = layout.GetOrAdd(default(LabelKey).With(0, i % HttpMethods.Count).With(1, 100 + i / HttpMethods.Count), out _);
            values.LabelSetCount = Math.Max(values.LabelSetCount, id + 1);
            values.Requests[id] = random.NextInt64(1, 1L << 40);
            values.BodyBytes[id] = random.NextInt64(1, 1L << 50);
            values.BytesSent[id] = random.NextInt64(1, 1L << 50);
            values.RequestBytes[id] = random.NextInt64(1, 1L << 50);
            values.RequestDuration.Observe(layout.SeriesOf(id), random.NextDouble());
            values.ResponseSize.Observe(layout.SeriesOf(id), random.Next(100_000));
        }
        return values;
    }

    /// <summary>How the watcher saved until the slot store: the whole file to a temporary file, then renamed.</summary>
    private sealed class RenameStore(string folder) : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
        private readonly Utf8JsonWriter _writer = new(new ArrayBufferWriter<byte>());

        public string Path { get; } = System.IO.Path.Combine(folder, "watcher-state.json");

        public void Save(WatcherStateFile state)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            JsonSerializer.Serialize(_writer, state, WatcherStateJsonContext.Default.WatcherStateFile);
            _writer.Flush();
            string temp = Path + ".tmp";
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(_buffer.WrittenSpan);
                file.Flush(flushToDisk: false);
            }
            File.Move(temp, Path, overwrite: true);
        }

        public void Dispose() => _writer.Dispose();
    }
}
