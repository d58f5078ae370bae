using Microsoft.Extensions.DependencyInjection;
using Sidecars.Hosting;
using Sidecars.Testing;
using Sidecars.Watcher;

namespace Sidecars.Tests.Watcher.Service;

/// <summary>Settings reach the parts they set, through the host's registration.</summary>
public sealed class WiringTests : IDisposable
{
    private readonly TempFolder _folder = new("watcher-wiring");

    public void Dispose() => _folder.Dispose();

    private LineCounter CounterFor(params string[] args)
    {
        var builder = SidecarHost.CreateBuilder("watcher", [$"--Watcher:Path={_folder.File("access.log")}", .. args], 0);
        builder.AddWatcher();
        var host = builder.Build();
        return host.Services.GetRequiredService<LineCounter>();
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void StateFsync_makes_every_save_fsync(string setting, bool flushes)
    {
        string state = Path.Combine(_folder.Path, "state");
        Directory.CreateDirectory(state);

        var counter = CounterFor($"--Watcher:StateDirectory={state}", $"--Watcher:StateFsync={setting}");

        Assert.Equal(state, counter.Publisher.Store!.Directory);
        Assert.Equal(flushes, counter.Publisher.Store.FlushToDisk);
    }

    [Fact]
    public void The_log_format_is_compiled_once_by_validation_and_handed_to_the_host()
    {
        // Given a format of its own (the built-in ones are compiled once per process anyway)
        var builder = SidecarHost.CreateBuilder("watcher", [$"--Watcher:Path={_folder.File("access.log")}", "--Watcher:Format=$remote_addr \"$request\" $status"], 0);
        builder.AddWatcher();
        using var host = builder.Build();

        // When the validated settings and the host's format are taken
        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WatcherOptions>>().Value;
        var format = host.Services.GetRequiredService<Sidecars.Watcher.Parsing.LogFormat>();

        // Then they are the one format validation compiled
        Assert.Same(options.GetLogFormat(), format);
        Assert.Equal(["remote_addr", "request", "status"], format.Variables);
    }

    [Fact]
    public void Without_a_state_folder_nothing_is_saved()
    {
        Assert.Null(CounterFor().Publisher.Store);
    }
}
