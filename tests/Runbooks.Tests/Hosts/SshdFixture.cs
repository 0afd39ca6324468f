using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 and a free port, with its own host key and a client key it accepts,
/// for one test class. Its log (sshd -e) is kept, so tests can see the connections it accepted.
/// </summary>
public sealed class SshdFixture : IAsyncLifetime
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(10);

    private readonly TempFolder _folder = new();
    private readonly StringBuilder _log = new();
    private Process? _sshd;

    public int Port { get; private set; }

    public string ClientKey => _folder.Combine("client_key");

    /// <summary>A key the server does not accept.</summary>
    public string StrangerKey => _folder.Combine("stranger_key");

    public string HostPublicKey => File.ReadAllText(_folder.Combine("host_key.pub")).Trim();

    /// <summary>Another key of the same type, to pose as a changed host key.</summary>
    public string StrangerPublicKey => File.ReadAllText(_folder.Combine("stranger_key.pub")).Trim();

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Connections that logged in: one line per TCP connection, however many commands it carried.</summary>
    public int AcceptedConnections => Log.Split('\n').Count(line => line.StartsWith("Accepted publickey for root", StringComparison.Ordinal));

    /// <summary>The client ports of the logged-in connections, in order.</summary>
    public IReadOnlyList<string> AcceptedPorts => [.. Log.Split('\n')
        .Where(line => line.StartsWith("Accepted publickey for root", StringComparison.Ordinal))
        .Select(line => line.Split(" port ")[1].Split(' ')[0])];

    /// <summary>Whether sshd logged the end of the connection from that client port.</summary>
    public bool Disconnected(string clientPort) =>
        Log.Split('\n').Any(line => line.StartsWith("Disconnected from user root", StringComparison.Ordinal) && line.EndsWith($" port {clientPort}", StringComparison.Ordinal));

    public async Task InitializeAsync()
    {
        foreach (var key in new[] { "host_key", "client_key", "stranger_key" })
        {
            var generated = Processes.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", _folder.Combine(key));
            Assert.True(generated.ExitCode == 0, generated.Output);
        }
        File.Copy(_folder.Combine("client_key.pub"), _folder.Combine("authorized_keys"));
        Directory.CreateDirectory("/run/sshd"); // privilege separation directory; absent where sshd never ran
        Port = FreePort();
        var config = _folder.File("sshd_config", $"""
            ListenAddress 127.0.0.1
            Port {Port}
            HostKey {_folder.Combine("host_key")}
            PidFile {_folder.Combine("sshd.pid")}
            AuthorizedKeysFile {_folder.Combine("authorized_keys")}
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            Subsystem sftp internal-sftp
            # bash sources ~/.bashrc when started by sshd at shell level 1; on a dev box that can cost
            # 150 ms a command (pyenv init). This server stands in for a clean machine, so it starts
            # sessions at level 1 already and bash skips the file.
            SetEnv SHLVL=1
            """);

        var start = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-D", "-e", "-f", config })
            start.ArgumentList.Add(argument);
        _sshd = Process.Start(start)!;
        _sshd.ErrorDataReceived += (_, line) => Append(line.Data);
        _sshd.OutputDataReceived += (_, line) => Append(line.Data);
        _sshd.BeginErrorReadLine();
        _sshd.BeginOutputReadLine();
        await WaitForBannerAsync();
    }

    /// <summary>A target for this server that logs in with the accepted key and knows its host key.</summary>
    public SshTarget Target(TempFolder scratch) => new("127.0.0.1")
    {
        Port = Port,
        IdentityFile = ClientKey,
        KnownHostsFile = KnownHosts(scratch, HostPublicKey),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>A known_hosts file holding <paramref name="publicKey"/> for this server's address and port.</summary>
    public string KnownHosts(TempFolder scratch, string publicKey) =>
        scratch.File($"known_hosts-{Guid.NewGuid():N}", $"[127.0.0.1]:{Port} {publicKey}\n");

    public Task DisposeAsync()
    {
        if (_sshd is { HasExited: false })
        {
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit(5000);
        }
        _sshd?.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.Append(line).Append('\n');
    }

    private async Task WaitForBannerAsync()
    {
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_sshd!.HasExited)
                throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode} before it listened: {Log}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var banner = await reader.ReadLineAsync(timeout.Token);
                if (banner?.StartsWith("SSH-", StringComparison.Ordinal) == true)
                    return;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"sshd did not greet within {s_startTimeout.TotalSeconds} s: {Log}");
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
