using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sidecars.Testing;
using Xunit.Abstractions;

namespace Sidecars.Tests.Writer;

/// <summary>
/// The published Native AOT writer sent the signals whose default action ends a process silently
/// (SIGHUP, SIGUSR1, SIGUSR2, SIGALRM: exit 129 to 142 when the process is not PID 1), as a shell,
/// an operator's <c>kill -HUP</c> or a tool that signals every process of a container might. The
/// writer must keep running and serving, log each signal, and still end cleanly on SIGTERM. SIGHUP
/// reads the web configuration's TLS files again at once, as exporters do.
/// </summary>
[Collection(nameof(HostTestsInSeries))]
public sealed partial class NonStopSignalBinaryTests(ITestOutputHelper output) : IDisposable
{
    private const int SigHup = 1, SigUsr1 = 10, SigUsr2 = 12, SigAlrm = 14, SigTerm = 15;
    private readonly TempFolder _folder = new("writer-signals");
    private readonly TestCertificates _ca = new();

    public void Dispose()
    {
        _ca.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Sighup_sigusr1_sigusr2_and_sigalrm_leave_the_published_writer_running_and_serving_and_sigterm_still_ends_it_with_0()
    {
        // Given the published writer, serving
        int port = Ports.Free();
        await using var writer = await RunningBinary.StartAsync(await PublishedWriter.BinaryAsync(), port,
            $"--Writer:Path={_folder.File("index.html")}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Holds(async () => (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the writer's /healthz");

        foreach (var (signal, name, line) in new[]
        {
            (SigHup, "SIGHUP", "SIGHUP received: ignored (no tls_server_config to read again)"),
            (SigUsr1, "SIGUSR1", "SIGUSR1 received: ignored"),
            (SigUsr2, "SIGUSR2", "SIGUSR2 received: ignored"),
            (SigAlrm, "SIGALRM", "SIGALRM received: ignored"),
        })
        {
            // When it is sent the signal
            Assert.Equal(0, Kill(writer.Process.Id, signal));

            // Then it logs it, and keeps running and serving
            await Eventually.Holds(() => writer.Output.Contains(line, StringComparison.Ordinal) || writer.Process.HasExited,
                TimeSpan.FromSeconds(10), $"the line \"{line}\"");
            Assert.False(writer.Process.HasExited, $"{name} ended the writer with exit code {writer.ExitCode()}; output: {writer.Output}");
            Assert.Equal("ok\n", await http.GetStringAsync($"http://127.0.0.1:{port}/healthz"));
            output.WriteLine($"{name}: still running and serving");
        }

        // And SIGTERM still ends it cleanly
        Assert.Equal(0, Kill(writer.Process.Id, SigTerm));
        Assert.Equal(0, await writer.ExitCodeAsync());
    }

    [Fact]
    public async Task Sighup_makes_the_published_writer_read_its_TLS_files_again_at_once()
    {
        // Given the published writer serving TLS from certificate files
        var first = _ca.Server(["localhost"], [IPAddress.Loopback], subject: "first");
        var second = _ca.Server(["localhost"], [IPAddress.Loopback], subject: "second");
        File.WriteAllText(_folder.File("tls.crt"), first.CertificatePem);
        File.WriteAllText(_folder.File("tls.key"), first.KeyPem);
        File.WriteAllText(_folder.File("web-config.yml"), "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n");
        int port = Ports.Free();
        await using var writer = await RunningBinary.StartAsync(await PublishedWriter.BinaryAsync(), port,
            $"--Writer:Path={_folder.File("index.html")}", $"--Http:WebConfigFile={_folder.File("web-config.yml")}");
        await Eventually.Holds(async () =>
        {
            try
            {
                return await ServerSubjectAsync(port) == "CN=first";
            }
            catch (SocketException)
            {
                return false; // not listening yet
            }
        }, TimeSpan.FromSeconds(30), "the writer over TLS");

        // When the files are replaced and the writer is sent SIGHUP
        File.WriteAllText(_folder.File("tls.key"), second.KeyPem);
        File.WriteAllText(_folder.File("tls.crt"), second.CertificatePem);
        Assert.Equal(0, Kill(writer.Process.Id, SigHup));

        // Then it reads them at once, says so, and keeps serving with the new certificate
        const string line = "SIGHUP received: read the TLS files again: a new certificate is served";
        await Eventually.Holds(() => writer.Output.Contains(line, StringComparison.Ordinal) || writer.Process.HasExited,
            TimeSpan.FromSeconds(10), $"the line \"{line}\"");
        Assert.False(writer.Process.HasExited, $"SIGHUP ended the writer with exit code {writer.ExitCode()}; output: {writer.Output}");
        Assert.Equal("CN=second", await ServerSubjectAsync(port));
        Assert.Equal(0, Kill(writer.Process.Id, SigTerm));
        Assert.Equal(0, await writer.ExitCodeAsync());
    }

    private async Task<string> ServerSubjectAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => _ca.Issued(certificate),
        });
        return tls.RemoteCertificate!.Subject;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>The binary running with its output collected as it comes; killed on dispose if still running.</summary>
    private sealed class RunningBinary : IAsyncDisposable
    {
        private readonly StringBuilder _output = new();

        private RunningBinary(Process process) => Process = process;

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static Task<RunningBinary> StartAsync(string binary, int port, params string[] args)
        {
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add($"--Http:Port={port}");
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }
            var running = new RunningBinary(Process.Start(start)!);
            running.Process.OutputDataReceived += (_, e) => running.Append(e.Data);
            running.Process.ErrorDataReceived += (_, e) => running.Append(e.Data);
            running.Process.BeginOutputReadLine();
            running.Process.BeginErrorReadLine();
            return Task.FromResult(running);
        }

        public string ExitCode() => Process.HasExited ? Process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(running)";

        public async Task<int> ExitCodeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Process.WaitForExitAsync(timeout.Token);
            return Process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                await Process.WaitForExitAsync();
            }
            Process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
