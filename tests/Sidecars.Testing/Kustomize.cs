using System.Diagnostics;
using k8s;

namespace Sidecars.Testing;

/// <summary><c>kubectl kustomize</c>: what <c>kubectl apply -k FOLDER</c> would send, rendered without an API server.</summary>
public static class Kustomize
{
    /// <summary>The rendered YAML of the kustomization in <paramref name="folder"/>; throws with kubectl's message when it fails.</summary>
    public static async Task<string> RenderAsync(string folder)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("kubectl did not start (it renders the kustomizations; install it)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {folder} failed ({process.ExitCode}): {await stderr}");
        }
        return await stdout;
    }

    /// <summary>The rendered objects, parsed strictly into the official models (core kinds only).</summary>
    public static async Task<List<object>> RenderObjectsAsync(string folder) =>
        KubernetesYaml.LoadAllFromString(await RenderAsync(folder), typeMap: null, strict: true);
}
