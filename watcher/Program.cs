using Sidecars.Hosting;
using Sidecars.Watcher;

if (OnceMode.IsRequested(args))
{
    return await OnceMode.RunAsync(args, Console.Out, Console.Error);
}
return await SidecarHost.RunAsync("watcher", args, 9145, b => b.AddWatcher());
