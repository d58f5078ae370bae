using System.Diagnostics;
using Sidecars.Testing;

namespace Sidecars.Tests.Pods;

/// <summary>Debian's Chromium without a display: a page's DOM after its scripts ran, or a PNG of it.</summary>
internal static class HeadlessChromium
{
    /// <summary>The page's DOM after <paramref name="budget"/> of (virtual) time for its scripts.</summary>
    public static async Task<string> DumpDomAsync(Uri page, TimeSpan budget) => await RunAsync(page, budget, "--dump-dom");

    /// <summary>Saves a screenshot of <paramref name="page"/> to <paramref name="png"/>.</summary>
    public static async Task ScreenshotAsync(Uri page, string png, TimeSpan budget) =>
        await RunAsync(page, budget, $"--screenshot={png}", "--window-size=1280,900", "--hide-scrollbars");

    private static async Task<string> RunAsync(Uri page, TimeSpan budget, params string[] what)
    {
        using var profile = new TempFolder("chromium-profile");
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // No sandbox (root in a container), no GPU, no network of its own (updates, sync, QUIC), a fresh profile.
        foreach (string argument in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={profile.Path}", $"--virtual-time-budget={(int)budget.TotalMilliseconds}", .. what, page.ToString()])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("chromium did not start (scripts/host-tools.sh installs it)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish with {page} in 90 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chromium exited {process.ExitCode}: {await stderr}");
        }
        return await stdout;
    }
}
