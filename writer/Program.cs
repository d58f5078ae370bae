using Sidecars.Hosting;
using Sidecars.Writer;

return await SidecarHost.RunAsync("writer", args, 9146, b => b.AddWriter());
