namespace Sidecars.Watcher.Tailing;

/// <summary>
/// Many like events told in one log line instead of a line each (5,000 files beyond <c>MaxLogs</c> must not write
/// 5,000 warnings): the first line as soon as there is something to tell, then at most one line per
/// <see cref="Interval"/>, each with how many there were since the last line and the first few of them. Holds no
/// more than <see cref="MaxExamples"/> names, whatever the count. Called on one thread.
/// </summary>
internal sealed class SummaryLine(TimeProvider time, TimeSpan interval)
{
    /// <summary>How many names a line shows.</summary>
    public const int MaxExamples = 3;

    private readonly List<string> _examples = new(MaxExamples);
    private int _count;
    private long? _lastLine;

    public TimeSpan Interval => interval;

    /// <summary>One more event to tell; <paramref name="example"/> is shown when it is among the first few.</summary>
    public void Add(string example)
    {
        _count++;
        if (_examples.Count < MaxExamples)
        {
            _examples.Add(example);
        }
    }

    /// <summary>True when a line is due: <paramref name="count"/> events since the last line, the first of them in <paramref name="examples"/>.</summary>
    public bool TryTake(out int count, out string examples)
    {
        count = _count;
        examples = "";
        if (_count == 0 || (_lastLine is { } last && time.GetElapsedTime(last) < interval))
        {
            return false;
        }
        examples = string.Join("; ", _examples) + (_count > _examples.Count ? "; ..." : "");
        _count = 0;
        _examples.Clear();
        _lastLine = time.GetTimestamp();
        return true;
    }
}
