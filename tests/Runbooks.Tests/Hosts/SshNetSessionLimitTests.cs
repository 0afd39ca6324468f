using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

/// <summary>
/// SSH.NET against servers that allow fewer sessions per connection than it would open, as hardened sshd_configs do
/// (MaxSessions 2 to 4 is common): each test starts a second sshd with the fixture's keys and a lower MaxSessions.
/// </summary>
public sealed partial class SshNetSessionLimitTests(SshdFixture sshd) : IClassFixture<SshdFixture>, IDisposable
{
    private readonly TempFolder _scratch = new();
    private readonly List<Process> _servers = [];

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit(5000);
            server.Dispose();
        }
        _scratch.Dispose();
    }

    [Fact]
    public async Task FewerSessionsThanChannels_CommandsQueue_OnOneConnection_NoneCutOff()
    {
        const int maxSessions = 3;
        await using var host = new SshNetHost(await StartServerAsync(maxSessions));
        var connection = SshNetConcurrencyProbe.ClientPort(await host.RunAsync(HostCommand.Shell("echo $SSH_CLIENT")));
        // The heartbeat holds one session.
        var probe = new SshNetConcurrencyProbe(_scratch, maxSessions - 1);
        const int count = 6;

        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => host.RunAsync(probe.Command(i))));

        Assert.Equal(maxSessions - 1, probe.Most);
        Assert.Equal(Enumerable.Range(0, count), probe.Runs);
        Assert.All(results, result => Assert.Equal(connection, SshNetConcurrencyProbe.ClientPort(result)));
    }

    [Fact]
    public async Task NoSessionBesideTheHeartbeat_CommandIsRefused_SayingWhy_AndNotRun()
    {
        await using var host = new SshNetHost(await StartServerAsync(maxSessions: 1));
        var marker = _scratch.Combine("ran");

        var error = await Assert.ThrowsAsync<HostConnectionException>(() => host.RunAsync(HostCommand.Shell($"touch {marker}")));

        Assert.IsNotType<HostConnectionLostException>(error);
        Assert.Contains("MaxSessions", error.Message);
        Assert.Contains("OpenSSH transport", error.Message);
        Assert.False(File.Exists(marker));
    }

    /// <summary>Starts sshd as the fixture configured it, on a port of its own, with <paramref name="maxSessions"/>;
    /// returns a target for it once it greets.</summary>
    private async Task<SshTarget> StartServerAsync(int maxSessions)
    {
        var port = SshdFixture.FreePort();
        var fixtureConfig = File.ReadAllText(Path.Combine(Path.GetDirectoryName(sshd.ClientKey)!, "sshd_config"));
        var config = _scratch.File($"sshd_config-{port}", PortLine().Replace(PidFileLine().Replace(fixtureConfig,
            $"PidFile {_scratch.Combine($"sshd-{port}.pid")}"), $"Port {port}") + $"MaxSessions {maxSessions}\n");
        var start = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-D", "-e", "-f", config })
            start.ArgumentList.Add(argument);
        var server = Process.Start(start)!;
        _servers.Add(server);
        server.ErrorDataReceived += (_, _) => { };
        server.OutputDataReceived += (_, _) => { };
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();

        var clock = Stopwatch.StartNew();
        while (!await GreetsAsync(port))
        {
            Assert.False(server.HasExited, $"sshd with MaxSessions {maxSessions} exited with {(server.HasExited ? server.ExitCode : 0)}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "sshd did not greet within 30 s");
            await Task.Delay(50);
        }
        return sshd.Target(_scratch) with { Port = port, KnownHostsFile = _scratch.File($"known_hosts-{port}", $"[127.0.0.1]:{port} {sshd.HostPublicKey}\n") };
    }

    private static async Task<bool> GreetsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            using var reader = new StreamReader(client.GetStream());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            return (await reader.ReadLineAsync(timeout.Token))?.StartsWith("SSH-", StringComparison.Ordinal) == true;
        }
        catch (Exception error) when (error is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^Port \d+$", RegexOptions.Multiline)]
    private static partial Regex PortLine();

    [GeneratedRegex(@"^PidFile .*$", RegexOptions.Multiline)]
    private static partial Regex PidFileLine();
}
