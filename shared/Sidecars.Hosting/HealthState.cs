namespace Sidecars.Hosting;

/// <summary>
/// What <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness) answer. The service's main loop
/// calls <see cref="Beat"/> on every turn; it is live while the last beat is recent. Readiness is
/// set explicitly, with a reason shown to whoever asks.
/// </summary>
public sealed class HealthState(TimeProvider time)
{
    private long _lastBeatTicks = -1;
    private volatile string? _notReadyReason = "starting";

    /// <summary>How long without a beat before liveness fails. Services set it from their loop period.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The main loop is alive now.</summary>
    public void Beat() => Interlocked.Exchange(ref _lastBeatTicks, time.GetTimestamp());

    /// <summary>The service can do its work.</summary>
    public void SetReady() => _notReadyReason = null;

    /// <summary>The service cannot do its work now, for this reason.</summary>
    public void SetNotReady(string reason) => _notReadyReason = reason;

    /// <summary>True while the main loop has beaten within <see cref="StaleAfter"/>.</summary>
    public bool IsLive
    {
        get
        {
            long last = Interlocked.Read(ref _lastBeatTicks);
            return last >= 0 && time.GetElapsedTime(last) <= StaleAfter;
        }
    }

    /// <summary>Null when ready, else why not.</summary>
    public string? NotReadyReason => IsLive ? _notReadyReason : "main loop is not running";
}
