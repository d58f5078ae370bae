using System.Text.Json.Serialization;

namespace Sidecars.Watcher.State;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(WatcherStateFile))]
internal sealed partial class WatcherStateJsonContext : JsonSerializerContext;
