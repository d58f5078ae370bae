using BenchmarkDotNet.Running;
using Sidecars.Watcher.Benchmarks;

// `generate N FILE` writes N realistic main-format lines; `save-cost FOLDER [N]` times state saves;
// anything else runs BenchmarkDotNet (all benchmarks by default).
if (args is ["generate", var countText, var path])
{
    if (!long.TryParse(countText, out long count) || count < 0)
    {
        Console.Error.WriteLine($"generate: N must be a non-negative integer (got {countText})");
        return 2;
    }

    LogLines.WriteFile(path, count);
    Console.WriteLine($"wrote {count} lines to {path}");
    return 0;
}

if (args is ["generate", ..])
{
    Console.Error.WriteLine("usage: generate N FILE");
    return 2;
}

if (args is ["save-cost", var folder, ..])
{
    return SaveCost.Run(folder, args.Length > 2 && int.TryParse(args[2], out int saves) ? saves : 2000);
}

BenchmarkSwitcher.FromAssembly(typeof(ParseBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
return 0;
