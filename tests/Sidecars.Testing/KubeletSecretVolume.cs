using System.Diagnostics;
using System.Globalization;

namespace Sidecars.Testing;

/// <summary>
/// A folder laid out the way the kubelet mounts a Secret or ConfigMap volume (its AtomicWriter): the
/// data lives in a timestamped folder (<c>..2026_12_07_10_00_00.123</c>), <c>..data</c> is a symlink to
/// it, and each key is a symlink <c>tls.crt -&gt; ..data/tls.crt</c>. An update writes a new timestamped
/// folder, points a new symlink <c>..data_tmp</c> at it, renames that over <c>..data</c> (one atomic
/// swap) and removes the old folder; the key symlinks themselves never change.
/// </summary>
public sealed class KubeletSecretVolume
{
    private int _version;

    /// <summary>Creates the volume in <paramref name="path"/> (which need not exist) with <paramref name="files"/>.</summary>
    public KubeletSecretVolume(string path, IReadOnlyDictionary<string, string> files)
    {
        Path = path;
        Directory.CreateDirectory(path);
        string data = WriteVersion(files);
        System.IO.File.CreateSymbolicLink(System.IO.Path.Combine(path, "..data"), data);
        foreach (string key in files.Keys)
        {
            System.IO.File.CreateSymbolicLink(System.IO.Path.Combine(path, key), System.IO.Path.Combine("..data", key));
        }
    }

    /// <summary>The mounted folder.</summary>
    public string Path { get; }

    /// <summary>The path of a key as a container sees it (the symlink).</summary>
    public string File(string key) => System.IO.Path.Combine(Path, key);

    /// <summary>Replaces the data as the kubelet does: a new folder, then one atomic swap of <c>..data</c>.</summary>
    public void Update(IReadOnlyDictionary<string, string> files)
    {
        string old = new FileInfo(System.IO.Path.Combine(Path, "..data")).LinkTarget!;
        string data = WriteVersion(files);
        string temporary = System.IO.Path.Combine(Path, "..data_tmp");
        System.IO.File.CreateSymbolicLink(temporary, data);
        // rename(2) over the old link, as the kubelet's os.Rename: .NET's File.Move and Directory.Move refuse a
        // symlink to a folder as the source or an existing destination.
        Rename(temporary, System.IO.Path.Combine(Path, "..data"));
        Directory.Delete(System.IO.Path.Combine(Path, old), recursive: true);
    }

    private string WriteVersion(IReadOnlyDictionary<string, string> files)
    {
        // Unique and ordered like the kubelet's names (a timestamp), so two updates in one second differ.
        string name = string.Create(CultureInfo.InvariantCulture, $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss}.{++_version}");
        string folder = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(folder);
        foreach (var (key, content) in files)
        {
            System.IO.File.WriteAllText(System.IO.Path.Combine(folder, key), content);
        }
        return name;
    }

    private static void Rename(string from, string to)
    {
        using var mv = Process.Start(new ProcessStartInfo("mv", ["-T", from, to]) { RedirectStandardError = true })!;
        string error = mv.StandardError.ReadToEnd();
        mv.WaitForExit();
        if (mv.ExitCode != 0)
        {
            throw new IOException($"mv -T {from} {to} exited {mv.ExitCode}: {error}");
        }
    }
}
