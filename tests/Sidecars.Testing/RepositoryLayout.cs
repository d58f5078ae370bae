using System.Reflection;

namespace Sidecars.Testing;

/// <summary>Where the repository's parts are, found from the test binary's folder upwards.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string Manifests => Path.Combine(Root, "manifests");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sidecars.sln")))
            {
                return dir.FullName;
            }
        }
        string? recorded = typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "Sidecars.sln")))
        {
            return recorded;
        }
        throw new InvalidOperationException("Sidecars.sln not found above " + AppContext.BaseDirectory);
    }
}
