using System.IO.Hashing;
using System.Text;
using Sidecars.Testing;
using Sidecars.Watcher.State;

namespace Sidecars.Tests.Watcher.State;

/// <summary>A state folder as a starting watcher finds it.</summary>
internal static class SavedState
{
    /// <summary>What a watcher starting now would load from <paramref name="folder"/>, which is left as it is.</summary>
    public static WatcherStateFile? LoadCopy(string folder) => Load(ReadSlots(folder));

    /// <summary>The bytes of <paramref name="folder"/>'s slot files, each read once and back to back, as a start reads them (null: not there).</summary>
    public static byte[]?[] ReadSlots(string folder) =>
        [.. StateStore.SlotFileNames.Select(name => ReadIfThere(Path.Combine(folder, name)))];

    /// <summary>
    /// What a watcher starting now would load from slot files holding <paramref name="slots"/> (from
    /// <see cref="ReadSlots"/>): they are written into a folder of their own and loaded there, so the folder
    /// they were read from is left as it is even when the copy is found invalid and moved aside.
    /// </summary>
    public static WatcherStateFile? Load(byte[]?[] slots)
    {
        using var copy = new TempFolder("watcher-state-copy");
        for (int slot = 0; slot < slots.Length; slot++)
        {
            if (slots[slot] is { } bytes)
            {
                File.WriteAllBytes(Path.Combine(copy.Path, StateStore.SlotFileNames[slot]), bytes);
            }
        }
        using var store = new StateStore(copy.Path);
        return store.Load(out _);
    }

    private static byte[]? ReadIfThere(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null; // not saved yet
        }
    }

    /// <summary>Writes <paramref name="stateJson"/> into the first slot of <paramref name="folder"/> as a save would (sequence 1, its checksum).</summary>
    public static void WriteSlot(string folder, string stateJson)
    {
        byte[] state = Encoding.UTF8.GetBytes(stateJson);
        string checksum = XxHash64.HashToUInt64(state).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(folder, StateStore.SlotFileNames[0]), $"{{\"Sequence\":1,\"Checksum\":\"{checksum}\",\"State\":{stateJson}}}\n");
    }
}
