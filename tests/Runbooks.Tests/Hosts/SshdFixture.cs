using Runbooks.Hosts;
using Runbooks.Labs.Ssh;

namespace Runbooks.Tests.Hosts;

/// <summary>A <see cref="LoopbackSshd"/> for one test class, and what the tests read from its log.</summary>
public sealed class SshdFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private LoopbackSshd? _sshd;

    private LoopbackSshd Sshd => _sshd ?? throw new InvalidOperationException("the fixture has not started");

    public int Port => Sshd.Port;

    public string ClientKey => Sshd.ClientKey;

    /// <summary>A key the server does not accept.</summary>
    public string StrangerKey => Sshd.StrangerKey;

    public string HostPublicKey => Sshd.HostPublicKey;

    /// <summary>Another key of the same type, to pose as a changed host key.</summary>
    public string StrangerPublicKey => Sshd.StrangerPublicKey;

    public string Log => Sshd.Log;

    /// <summary>Connections that logged in: one line per TCP connection, however many commands it carried.</summary>
    public int AcceptedConnections => Log.Split('\n').Count(line => line.StartsWith("Accepted publickey for root", StringComparison.Ordinal));

    /// <summary>The client ports of the logged-in connections, in order.</summary>
    public IReadOnlyList<string> AcceptedPorts => [.. Log.Split('\n')
        .Where(line => line.StartsWith("Accepted publickey for root", StringComparison.Ordinal))
        .Select(line => line.Split(" port ")[1].Split(' ')[0])];

    /// <summary>Whether sshd logged the end of the connection from that client port.</summary>
    public bool Disconnected(string clientPort) =>
        Log.Split('\n').Any(line => line.StartsWith("Disconnected from user root", StringComparison.Ordinal) && line.EndsWith($" port {clientPort}", StringComparison.Ordinal));

    public async Task InitializeAsync() => _sshd = await LoopbackSshd.StartAsync(_folder.Path);

    /// <summary>A target for this server that logs in with the accepted key and knows its host key.</summary>
    public SshTarget Target(TempFolder scratch) => Sshd.Target(KnownHosts(scratch, HostPublicKey));

    /// <summary>A known_hosts file holding <paramref name="publicKey"/> for this server's address and port.</summary>
    public string KnownHosts(TempFolder scratch, string publicKey) =>
        scratch.File($"known_hosts-{Guid.NewGuid():N}", Sshd.KnownHostsLine(publicKey));

    public async Task DisposeAsync()
    {
        if (_sshd is not null)
            await _sshd.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int FreePort() => LoopbackSshd.FreePort();
}
