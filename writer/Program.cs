using Sidecars.Hosting;

return await SidecarHost.RunAsync("writer", args, 9146, builder => { });
