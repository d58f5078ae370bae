namespace Sidecars.Watcher.State;

internal sealed class HistogramState
{
    public double[] Bounds { get; set; } = [];
    public List<HistogramSeriesState> Series { get; set; } = [];
}
