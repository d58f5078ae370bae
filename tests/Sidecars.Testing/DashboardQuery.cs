namespace Sidecars.Testing;

/// <summary>One query of a dashboard panel: the panel's title, the query's refId, its PromQL and legend.</summary>
public sealed record DashboardQuery(string Panel, string RefId, string Expr, string Legend);
