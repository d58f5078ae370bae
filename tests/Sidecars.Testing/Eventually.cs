namespace Sidecars.Testing;

/// <summary>Polls a condition until it holds or a deadline passes (no fixed sleeps in tests).</summary>
public static class Eventually
{
    public static async Task Holds(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
                last = null;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                last = e;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {within.TotalSeconds:F0} s for {what}" + (last is null ? "" : $" (last error: {last.Message})"));
            }
            await Task.Delay(50);
        }
    }

    public static Task Holds(Func<bool> condition, TimeSpan within, string what) =>
        Holds(() => Task.FromResult(condition()), within, what);
}
