using Sidecars.Watcher.Tailing;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>A sink that blocks on the first line it gets until released: a tailer stuck in a read, as on a volume that hangs.</summary>
internal sealed class StallingSink : ILineSink
{
    private readonly ManualResetEventSlim _release = new();
    private volatile bool _stalled;

    public bool Stalled => _stalled;

    public void Release() => _release.Set();

    public void OnLine(ReadOnlySpan<byte> line)
    {
        _stalled = true;
        _release.Wait(TimeSpan.FromSeconds(30));
    }

    public void OnLineTooLong(long length) { }
}
