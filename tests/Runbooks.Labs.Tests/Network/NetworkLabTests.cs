using Runbooks.Hosts;
using Runbooks.Labs.Network;

namespace Runbooks.Labs.Tests.Network;

/// <summary>The real twin: built with root, its faults read back from the machines with real commands.</summary>
[Collection(NetworkLabCollection.Name)]
public sealed class NetworkLabTests(NetworkLabFixture fixture)
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);

    private readonly NetworkLab _lab = fixture.Lab;

    [Fact]
    public async Task Up_BuildsBothMachinesOnTheFabric_AndRecordsThemInLabJson()
    {
        var state = await fixture.PristineAsync();

        Assert.Equal(("rb-6pn", "fdaa:0:1:a7b::1"), (state.Bridge, state.HostAddress));
        Assert.Equal(NetworkLab.KnownHostsFile, state.KnownHostsFile);
        Assert.Equal(_lab.IdentityFile, state.IdentityFile);
        Assert.True(File.Exists(state.IdentityFile), "the login key exists");
        Assert.InRange(state.BuiltAt, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(
            [("wg-server", NetworkMachineRole.Server, "fdaa:0:1:a7b::2", "198.51.100.2"), ("wg-client", NetworkMachineRole.Client, "fdaa:0:1:a7b::3", "198.51.100.3")],
            state.Machines.Select(m => (m.Name, m.Role, m.Address6pn, m.Eth0Ipv4)));

        var status = await _lab.StatusAsync();
        Assert.True(status.Up);
        Assert.Equal(state.BuiltAt, status.BuiltAt);
        Assert.All(status.Machines, m => Assert.True(m.HolderAlive && m.SshdAlive && m.Wg0Up, $"{m.Name}: {m}"));
        Assert.Equal([true, false], status.Machines.Select(m => m.HttpListening));

        await using var host = new LocalHost();
        var bridge = await host.RunAsync(HostCommand.Shell("ip -o -6 addr show dev rb-6pn; ip -o link show dev rb-6pn; nft list table bridge runbook_lab_6pn"));
        Assert.Contains("inet6 fdaa:0:1:a7b::1/64", bridge.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("mtu 1420", bridge.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ip6 nexthdr ipv6-frag", bridge.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("server", "wg-server", "fdaa:0:1:a7b::2/64", "198.51.100.2/24")]
    [InlineData("client", "wg-client", "fdaa:0:1:a7b::3/64", "198.51.100.3/24")]
    public async Task EachMachine_HasItsOwnHostnameAddressesFilesAndDaemons(string machine, string hostname, string address6pn, string address4)
    {
        await fixture.PristineAsync();

        var hostnameResult = await Exec(machine, "hostname; cat /etc/hostname");
        Assert.Equal($"{hostname}\n{hostname}\n", hostnameResult.StandardOutput);
        Assert.Equal(hostname, hostnameResult.HostName);

        var eth0 = await Exec(machine, "ip -o addr show dev eth0; ip -o link show dev eth0; ip -o link show dev lo");
        Assert.Contains($"inet6 {address6pn}", eth0.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"inet {address4}", eth0.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("mtu 1420", eth0.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"lo: <LOOPBACK,UP", eth0.StandardOutput);

        var hosts = (await Exec(machine, "cat /etc/hosts")).StandardOutput;
        Assert.Matches(@"(?m)^127\.0\.0\.1\s+localhost", hosts);
        Assert.Matches(@"(?m)^fdaa:0:1:a7b::2\s+wg-server\.internal\b", hosts);
        Assert.Matches(@"(?m)^fdaa:0:1:a7b::3\s+wg-client\.internal\b", hosts);

        // Private filesystems: /run, /root and /tmp are the machine's own tmpfs, the config folders its own copies.
        var mounts = (await Exec(machine, "for t in /run /root /tmp /etc/wireguard /etc/hosts /etc/hostname /etc/sysctl.d /etc/iptables /usr/local/bin /srv; do findmnt -rno TARGET,FSTYPE --mountpoint $t; done")).StandardOutput;
        Assert.Contains("/run tmpfs", mounts, StringComparison.Ordinal);
        Assert.Contains("/root tmpfs", mounts, StringComparison.Ordinal);
        Assert.Contains("/tmp tmpfs", mounts, StringComparison.Ordinal);
        Assert.All(new[] { "/etc/wireguard", "/etc/hosts", "/etc/hostname", "/etc/sysctl.d", "/etc/iptables", "/usr/local/bin", "/srv" },
            target => Assert.Contains(target + " ", mounts, StringComparison.Ordinal));

        // Its own PID namespace: only the machine's processes, the holder as PID 1, sshd on the 6pn address.
        var processes = (await Exec(machine, "ps -eo pid=,comm= ; ss -Hltn 'sport = :22'; ls /run/wireguard")).StandardOutput;
        Assert.Matches(@"(?m)^\s*1 bash$", processes);
        Assert.Matches(@"(?m)^\s*\d+ sshd$", processes);
        Assert.Matches(@"(?m)^\s*\d+ wireguard-go$", processes);
        Assert.Contains($"[{address6pn[..^3]}]:22", processes, StringComparison.Ordinal);
        Assert.Contains("wg0.sock", processes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_ServesTheSampleOverHttpOnBothStacks_WithDebiansPython()
    {
        await fixture.PristineAsync();

        var result = await Exec("server", "curl -sS --max-time 5 http://127.0.0.1:8080/; curl -sS --max-time 5 'http://[::1]:8080/'; ps -eo args= | grep -c '^/usr/bin/python3 -m http.server 8080 --bind ::$'");

        Assert.Equal("Hello! This is the Fly.io network work sample.\nHello! This is the Fly.io network work sample.\n1\n", result.StandardOutput);
    }

    [Fact]
    public async Task Server_RespawnsItsWebServer_WhenItDies()
    {
        await fixture.PristineAsync();
        fixture.Changed();

        await Exec("server", "pkill -x -f '/usr/bin/python3 -m http.server 8080 --bind ::'");
        var result = await Exec("server", "for i in $(seq 50); do curl -s --max-time 1 http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1");

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task WireGuardKeys_AreRight_ForEachPeer()
    {
        await fixture.PristineAsync();

        var server = await Exec("server", "wg show wg0 public-key; wg show wg0 peers; grep -c '^PrivateKey = ' /etc/wireguard/wg0.conf");
        var client = await Exec("client", "wg show wg0 public-key; wg show wg0 peers; grep -c '^PrivateKey = ' /etc/wireguard/wg0.conf");

        var (serverKey, serverPeer, serverPrivateLines) = Lines3(server.StandardOutput);
        var (clientKey, clientPeer, clientPrivateLines) = Lines3(client.StandardOutput);
        Assert.Equal(clientKey, serverPeer);
        Assert.Equal(serverKey, clientPeer);
        Assert.Equal(("1", "1"), (serverPrivateLines, clientPrivateLines));
    }

    [Fact]
    public async Task N1_TunnelSubnetsDisagree()
    {
        await fixture.PristineAsync();

        var server = await Exec("server", "grep -E '^(Address|AllowedIPs) = ' /etc/wireguard/wg0.conf; ip -o -4 addr show dev wg0 | awk '{print $4}'; wg show wg0 allowed-ips | cut -f2");
        var client = await Exec("client", "grep -E '^(Address|AllowedIPs) = ' /etc/wireguard/wg0.conf; ip -o -4 addr show dev wg0 | awk '{print $4}'; wg show wg0 allowed-ips | cut -f2");

        Assert.Equal("Address = 192.0.2.1/24\nAllowedIPs = 192.0.2.2/32\n192.0.2.1/24\n192.0.2.2/32\n", server.StandardOutput);
        Assert.Equal("Address = 203.0.113.2/24\nAllowedIPs = 203.0.113.1/32\n203.0.113.2/24\n203.0.113.1/32\n", client.StandardOutput);
    }

    [Fact]
    public async Task N2_NoPeerHasAnEndpoint()
    {
        await fixture.PristineAsync();

        foreach (var machine in new[] { "server", "client" })
        {
            var result = await Exec(machine, "grep -ci '^Endpoint' /etc/wireguard/wg0.conf; wg show wg0 endpoints | cut -f2");
            Assert.Equal("0\n(none)\n", result.StandardOutput);
        }
    }

    [Fact]
    public async Task N3_Wg0MtusDisagreeAndTheClientsExceedsTheFabric()
    {
        await fixture.PristineAsync();

        var server = await Exec("server", "grep '^MTU' /etc/wireguard/wg0.conf; cat /sys/class/net/wg0/mtu /sys/class/net/eth0/mtu");
        var client = await Exec("client", "grep '^MTU' /etc/wireguard/wg0.conf; cat /sys/class/net/wg0/mtu /sys/class/net/eth0/mtu");

        Assert.Equal("MTU = 1280\n1280\n1420\n", server.StandardOutput);
        Assert.Equal("MTU = 1800\n1800\n1420\n", client.StandardOutput);
    }

    [Fact]
    public async Task N4_BothDropWireGuardsUdp_TheServerInLegacyTablesThatIp6tablesDoesNotList()
    {
        await fixture.PristineAsync();
        const string rule = "-A INPUT -p udp -m udp --dport 51820 -j DROP";

        var client = await Exec("client", "ip6tables -S INPUT");
        var serverNft = await Exec("server", "ip6tables -S INPUT");
        var serverLegacy = await Exec("server", "ip6tables-legacy -S INPUT");

        Assert.Contains(rule, client.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("51820", serverNft.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ip6tables-legacy tables present", serverNft.StandardError, StringComparison.Ordinal);
        Assert.Contains(rule, serverLegacy.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task N5_TheServerDropsHttpArrivingOverWg0()
    {
        await fixture.PristineAsync();

        var result = await Exec("server", "iptables -S INPUT");

        Assert.Contains("-A INPUT -i wg0 -p tcp -m tcp --dport 8080 -j DROP", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task N6_TheServerIgnoresPings()
    {
        await fixture.PristineAsync();

        Assert.Equal("1\n", (await Exec("server", "sysctl -n net.ipv4.icmp_echo_ignore_all")).StandardOutput);
        Assert.Equal("0\n", (await Exec("client", "sysctl -n net.ipv4.icmp_echo_ignore_all")).StandardOutput);
    }

    [Fact]
    public async Task N7_TheClientRoutesBothTunnelSubnetsOutOfEth0ViaItself()
    {
        await fixture.PristineAsync();

        var routes = (await Exec("client", "ip -4 route show")).StandardOutput;

        Assert.Contains("192.0.2.0/24 via 198.51.100.3 dev eth0", routes, StringComparison.Ordinal);
        Assert.Contains("203.0.113.0/24 via 198.51.100.3 dev eth0", routes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task N8_IsAbsent_TheClientReachesTheServersWebServerOver6pn()
    {
        await fixture.PristineAsync();

        var rules = await Exec("server", "iptables -S; ip6tables -S; ip6tables-legacy -S");
        var fetch = await Exec("client", "curl -sS --max-time 5 http://wg-server.internal:8080/");

        Assert.DoesNotContain("eth0", rules.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("Hello! This is the Fly.io network work sample.\n", fetch.StandardOutput);
    }

    [Fact]
    public async Task TestConnection_FailsOnTheBrokenTwin_AtEveryStep()
    {
        await fixture.PristineAsync();
        fixture.Changed(); // it resets wg0

        var result = await Exec("client", "test-connection.sh");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Resetting wireguard interface", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("FAILED: connected to the web server over 6pn", result.StandardOutput, StringComparison.Ordinal);
        // N7: the client ARPs on eth0 for 192.0.2.1, and nobody on the IPv6-only fabric answers.
        Assert.Contains("From 198.51.100.3 icmp_seq=1 Destination Host Unreachable", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("FAILED: could not ping 192.0.2.1 over wireguard", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("FAILED: could not connect to http://192.0.2.1:8080 over wireguard", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello!", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestConnection_Passes_OnceEveryFaultIsFixedByHand_AndSshStillWorks()
    {
        var state = await fixture.PristineAsync();
        fixture.Changed();

        await Exec("server", """
            set -e
            sed -i 's/^MTU = .*/MTU = 1340/' /etc/wireguard/wg0.conf
            ip6tables-legacy -D INPUT -p udp --dport 51820 -j DROP
            iptables -D INPUT -i wg0 -p tcp --dport 8080 -j DROP
            sysctl -qw net.ipv4.icmp_echo_ignore_all=0
            ip6tables -I INPUT -i eth0 -p tcp --dport 8080 -j DROP
            wg-quick down wg0 2>/dev/null
            wg-quick up wg0 2>/dev/null
            """, expectSuccess: true);
        await Exec("client", """
            set -e
            sed -i -e 's/^MTU = .*/MTU = 1340/' -e 's|^Address = .*|Address = 192.0.2.2/24|' \
              -e 's|^AllowedIPs = .*|AllowedIPs = 192.0.2.1/32\nEndpoint = [fdaa:0:1:a7b::2]:51820|' /etc/wireguard/wg0.conf
            ip6tables -D INPUT -p udp --dport 51820 -j DROP
            ip route del 192.0.2.0/24 via 198.51.100.3 dev eth0
            ip route del 203.0.113.0/24 via 198.51.100.3 dev eth0
            """, expectSuccess: true);

        var result = await Exec("client", "test-connection.sh");

        Assert.True(result.ExitCode == 0, $"test-connection.sh failed:\n{result.StandardOutput}\n{result.StandardError}");
        Assert.Contains("Could not connect over 6pn, as it should be", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Could ping wireguard", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Hello! This is the Fly.io network work sample.\nConnected to remote over wireguard", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("All tests passed", result.StandardOutput, StringComparison.Ordinal);

        foreach (var machine in state.Machines)
        {
            var ssh = await Ssh(state, machine, "hostname; wg show wg0 | head -n 1");
            Assert.Equal($"{machine.Name}\ninterface: wg0\n", ssh.StandardOutput);
        }
    }

    [Fact]
    public async Task Ssh_LogsInAsRootOnBothMachines_WithTheLabKeyAndKnownHosts()
    {
        var state = await fixture.PristineAsync();

        foreach (var machine in state.Machines)
        {
            var result = await Ssh(state, machine, "hostname; id -un; wg show wg0 listen-port; echo $PATH");
            Assert.Equal($"{machine.Name}\nroot\n51820\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", result.StandardOutput);
        }
        var knownHosts = await File.ReadAllLinesAsync(state.KnownHostsFile);
        Assert.Equal(["fdaa:0:1:a7b::2 ssh-ed25519", "fdaa:0:1:a7b::3 ssh-ed25519"], knownHosts.Select(l => string.Join(' ', l.Split(' ').Take(2))));
    }

    [Fact]
    public async Task Up_AgainMakesNewHostAndWireGuardKeys_AndKeepsTheLoginKey()
    {
        var first = await fixture.PristineAsync();
        var firstKnownHosts = await File.ReadAllTextAsync(first.KnownHostsFile);
        var firstLoginKey = await File.ReadAllTextAsync(first.IdentityFile);
        var firstWgKey = (await Exec("server", "wg show wg0 public-key")).StandardOutput;

        fixture.Changed();
        var second = await fixture.PristineAsync();

        Assert.NotEqual(first.BuiltAt, second.BuiltAt);
        Assert.NotEqual(firstKnownHosts, await File.ReadAllTextAsync(second.KnownHostsFile));
        Assert.NotEqual(firstWgKey, (await Exec("server", "wg show wg0 public-key")).StandardOutput);
        Assert.Equal(firstLoginKey, await File.ReadAllTextAsync(second.IdentityFile));
        Assert.All(first.Machines, m => Assert.False(NetworkLab.IsHolder(m.HolderPid, m.Name), $"the old {m.Name} still runs"));
    }

    [Fact]
    public async Task Exec_ReturnsTheCommandsResult_RunInRootsHome_WithoutThisProcesssEnvironment()
    {
        await fixture.PristineAsync();
        Environment.SetEnvironmentVariable("RUNBOOK_LAB_TEST_LEAK", "leaked");

        var result = await Exec("wg-client", "pwd; echo \"${RUNBOOK_LAB_TEST_LEAK:-clean}\"; echo oops >&2; exit 3");

        Assert.Equal((3, "/root\nclean\n", "oops\n"), (result.ExitCode, result.StandardOutput, result.StandardError));
        Assert.Equal(("wg-client", "pwd; echo \"${RUNBOOK_LAB_TEST_LEAK:-clean}\"; echo oops >&2; exit 3"), (result.HostName, result.CommandLine));
    }

    [Fact]
    public async Task Exec_OnAnUnknownMachine_NamesTheValidOnes()
    {
        await fixture.PristineAsync();

        var error = await Assert.ThrowsAsync<LabInputException>(() => _lab.ExecAsync("srever", "true"));

        Assert.Equal("the network lab has no machine 'srever'; use one of: server, client, wg-server, wg-client; did you mean \"server\"?", error.Message);
    }

    private async Task<CommandResult> Exec(string machine, string commandLine, bool expectSuccess = false)
    {
        var result = await _lab.ExecAsync(machine, commandLine, s_commandTimeout);
        if (expectSuccess)
            Assert.True(result.Succeeded, $"`{commandLine}` failed on {machine} ({result.ExitCode}): {result.StandardError}");
        return result;
    }

    private static async Task<CommandResult> Ssh(NetworkLabState state, NetworkLabMachine machine, string command)
    {
        await using var host = new LocalHost();
        // -F none: this machine's ssh config must not decide whether the lab's own login works.
        return await host.RunAsync(HostCommand.Exec("ssh", "-F", "none", "-i", state.IdentityFile, "-o", $"UserKnownHostsFile={state.KnownHostsFile}",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5",
            $"root@{machine.Address6pn}", command).WithTimeout(s_commandTimeout));
    }

    private static (string, string, string) Lines3(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        return (lines[0], lines[1], lines[2]);
    }
}
