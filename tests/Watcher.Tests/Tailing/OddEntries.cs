using System.Diagnostics;
using System.Net.Sockets;

namespace Sidecars.Tests.Watcher.Tailing;

/// <summary>
/// Puts entries in a folder that a log follower meets and cannot follow: symlink loops, dangling links, links
/// through a regular file (ENOTDIR) or with a name too long to look up (ENAMETOOLONG), FIFOs, bound Unix sockets,
/// character and block devices (mknod: the tests run as root), folders and links to folders. Each kind says what
/// <c>watcher_read_errors_total</c> should count for it, once, when it matches the logs looked for.
/// </summary>
internal sealed class OddEntries(string folder) : IDisposable
{
    private readonly List<Socket> _sockets = [];

    /// <summary>One kind of odd entry.</summary>
    public enum Kind
    {
        LoopPair,
        SelfLoop,
        Dangling,
        NameTooLong,
        ThroughAFile,
        Fifo,
        Socket,
        CharDevice,
        BlockDevice,
        Folder,
        LinkToFolder,
    }

    /// <summary>What the entries made so far should count, by the <c>reason</c> label, once each.</summary>
    public Dictionary<string, int> Expected { get; } = new(StringComparer.Ordinal);

    /// <summary>The names made so far.</summary>
    public List<string> Names { get; } = [];

    /// <summary>Makes an entry of <paramref name="kind"/> named <paramref name="name"/>; a loop pair is <paramref name="name"/> and <paramref name="second"/>.</summary>
    public void Make(Kind kind, string name, string? second = null)
    {
        string path = Path.Combine(folder, name);
        Names.Add(name);
        switch (kind)
        {
            case Kind.LoopPair:
                string other = Path.Combine(folder, second ?? name.Insert(name.IndexOf('.', StringComparison.Ordinal), "-2"));
                Names.Add(Path.GetFileName(other));
                File.CreateSymbolicLink(path, other);
                File.CreateSymbolicLink(other, path);
                Count("symlink_loop", 2);
                break;
            case Kind.SelfLoop:
                File.CreateSymbolicLink(path, path);
                Count("symlink_loop", 1);
                break;
            case Kind.Dangling:
                File.CreateSymbolicLink(path, Path.Combine(folder, "nowhere", "gone.log")); // nothing there: not an error
                break;
            case Kind.NameTooLong:
                File.CreateSymbolicLink(path, "/" + new string('n', 300)); // a component longer than NAME_MAX
                Count("io", 1);
                break;
            case Kind.ThroughAFile:
                string file = Path.Combine(folder, "plain-" + Guid.NewGuid().ToString("N")[..8]);
                File.WriteAllText(file, "not a log\n");
                File.CreateSymbolicLink(path, Path.Combine(file, "below")); // ENOTDIR: nothing there
                break;
            case Kind.Fifo:
                Run("mkfifo", path);
                Count("not_regular_file", 1);
                break;
            case Kind.Socket:
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                _sockets.Add(socket);
                Count("not_regular_file", 1);
                break;
            case Kind.CharDevice:
                Run("mknod", path, "c", "1", "3"); // what /dev/null is
                Count("not_regular_file", 1);
                break;
            case Kind.BlockDevice:
                Run("mknod", path, "b", "7", "250");
                Count("not_regular_file", 1);
                break;
            case Kind.Folder:
                Directory.CreateDirectory(path); // never listed as a file
                break;
            case Kind.LinkToFolder:
                File.CreateSymbolicLink(path, folder); // listed as a folder, never as a file
                break;
        }
    }

    /// <summary>An entry of a kind picked by <paramref name="random"/>, named <paramref name="prefix"/><c>N</c><paramref name="suffix"/>.</summary>
    public void MakeAny(Random random, string prefix, string suffix)
    {
        var kinds = Enum.GetValues<Kind>();
        Make(kinds[random.Next(kinds.Length)], $"{prefix}{Names.Count}{suffix}");
    }

    private void Count(string reason, int times) => Expected[reason] = Expected.GetValueOrDefault(reason) + times;

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose() => _sockets.ForEach(s => s.Dispose());
}
