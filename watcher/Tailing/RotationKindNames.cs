namespace Sidecars.Watcher.Tailing;

internal static class RotationKindNames
{
    /// <summary>The <c>kind</c> label value.</summary>
    public static string Label(this RotationKind kind) => kind switch
    {
        RotationKind.Renamed => "renamed",
        RotationKind.Truncated => "truncated",
        RotationKind.Recreated => "recreated",
        _ => "other",
    };
}
