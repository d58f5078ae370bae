namespace Sidecars.Testing;

/// <summary>A template variable of a dashboard (for a query variable, its query, e.g. <c>label_values(...)</c>).</summary>
public sealed record DashboardVariable(string Name, string Type, string? Query, bool Multi, bool IncludeAll, string? AllValue);
