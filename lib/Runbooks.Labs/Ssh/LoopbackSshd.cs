using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Runbooks.Labs.Ssh;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 and a free port, with its own host key and a client key it accepts (and a
/// stranger key it does not), all in a folder of the caller's. Its log (<c>sshd -e</c>) is kept. What the host tests
/// and the transport benchmark run against: the smallest twin there is.
/// </summary>
public sealed class LoopbackSshd : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(10);

    private readonly string _folder;
    private readonly StringBuilder _log = new();
    private readonly Process _sshd;

    private LoopbackSshd(string folder, int port, Process sshd)
    {
        _folder = folder;
        Port = port;
        _sshd = sshd;
    }

    public int Port { get; }

    /// <summary>A private key the server accepts for root.</summary>
    public string ClientKey => Path.Combine(_folder, "client_key");

    /// <summary>A key the server does not accept.</summary>
    public string StrangerKey => Path.Combine(_folder, "stranger_key");

    public string HostPublicKey => File.ReadAllText(Path.Combine(_folder, "host_key.pub")).Trim();

    /// <summary>Another key of the same type, to pose as a changed host key.</summary>
    public string StrangerPublicKey => File.ReadAllText(Path.Combine(_folder, "stranger_key.pub")).Trim();

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Generates the keys and the configuration in <paramref name="folder"/> (which must exist) and starts sshd,
    /// returning once it greets.</summary>
    /// <exception cref="InvalidOperationException">ssh-keygen or sshd failed; the message has their output.</exception>
    public static async Task<LoopbackSshd> StartAsync(string folder)
    {
        foreach (var key in new[] { "host_key", "client_key", "stranger_key" })
            Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", Path.Combine(folder, key));
        File.Copy(Path.Combine(folder, "client_key.pub"), Path.Combine(folder, "authorized_keys"));
        Directory.CreateDirectory("/run/sshd"); // privilege separation directory; absent where sshd never ran
        var port = FreePort();
        var config = Path.Combine(folder, "sshd_config");
        File.WriteAllText(config, $"""
            ListenAddress 127.0.0.1
            Port {port}
            HostKey {Path.Combine(folder, "host_key")}
            PidFile {Path.Combine(folder, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(folder, "authorized_keys")}
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
        var sshd = new LoopbackSshd(folder, port, Process.Start(start)!);
        sshd._sshd.ErrorDataReceived += (_, line) => sshd.Append(line.Data);
        sshd._sshd.OutputDataReceived += (_, line) => sshd.Append(line.Data);
        sshd._sshd.BeginErrorReadLine();
        sshd._sshd.BeginOutputReadLine();
        try
        {
            await sshd.WaitForBannerAsync().ConfigureAwait(false);
        }
        catch
        {
            await sshd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return sshd;
    }

    /// <summary>A target for this server that logs in with the accepted key and checks the host key in <paramref name="knownHostsFile"/>.</summary>
    public Runbooks.Hosts.SshTarget Target(string knownHostsFile) => new("127.0.0.1")
    {
        Port = Port,
        IdentityFile = ClientKey,
        KnownHostsFile = knownHostsFile,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>The known_hosts line for this server's address and port holding <paramref name="publicKey"/>.</summary>
    public string KnownHostsLine(string publicKey) => $"[127.0.0.1]:{Port} {publicKey}\n";

    public ValueTask DisposeAsync()
    {
        if (!_sshd.HasExited)
        {
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit(5000);
        }
        _sshd.Dispose();
        return ValueTask.CompletedTask;
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
            if (_sshd.HasExited)
                throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode} before it listened: {Log}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
                using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var banner = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                if (banner?.StartsWith("SSH-", StringComparison.Ordinal) == true)
                    return;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"sshd did not greet within {s_startTimeout.TotalSeconds} s: {Log}");
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} failed with exit code {process.ExitCode}: {output.Result}{error}");
    }
}
