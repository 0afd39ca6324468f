using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Runbooks.Capture;
using Runbooks.Hosts;
using Runbooks.Network.Snapshot;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Network.Snapshot;

public sealed partial class NetworkCaptureTests
{
    [Fact]
    public void ServerCapture_FillsEverySection_WithoutProblems()
    {
        var snapshot = NetworkFixtures.Snapshot("lab-server.txt");

        Assert.Empty(snapshot.Problems);
        Assert.Equal(("lab-server.txt", "rbcap-server", DateTimeOffset.UnixEpoch), (snapshot.Host, snapshot.Hostname, snapshot.CapturedAt));
        Assert.Equal(1420, snapshot.Link("wg0")!.Mtu);
        Assert.Equal("198.51.100.1/24", snapshot.Link("eth0")!.AddressesOf(AddressFamily.InterNetwork).Single().ToString());
        Assert.Equal(IPAddress.Parse("198.51.100.2"), snapshot.Routes.Single(r => r.Table == "100" && r.IsDefault).Gateway);
        Assert.Contains(snapshot.Routes, r => r.Family == AddressFamily.InterNetworkV6 && r.Type == "blackhole");
        Assert.Contains(snapshot.Rules, r => r is { Family: AddressFamily.InterNetworkV6, Priority: 1000, Table: "100" });
        Assert.Equal(new(7, 2, "mtu", "1420"), snapshot.WireGuardConfig("wg0")!.Settings.Single(s => s.Key == "mtu"));
    }

    [Fact]
    public void ServerCapture_RunningWireGuardMatchesItsConfig()
    {
        var snapshot = NetworkFixtures.Snapshot("lab-server.txt");

        var running = snapshot.WireGuardInterface("wg0")!;
        var config = snapshot.WireGuardConfig("wg0")!;
        Assert.Equal(running.PublicKey, config.Interface.PublicKey);
        Assert.Equal(running.Peers.Select(p => p.PublicKey), config.Peers.Select(p => p.PublicKey));
        Assert.Equal(running.Peers.Select(p => p.AllowedIps), config.Peers.Select(p => p.AllowedIps));
        Assert.Equal(running.ListenPort, config.Interface.ListenPort);
        Assert.Equal(["wg0", "wg1", "wg9"], snapshot.WireGuardConfigs.Select(c => c.InterfaceName));
        Assert.Equal("/etc/wireguard/wg1.conf", snapshot.WireGuardConfig("wg1")!.Path);
        Assert.Null(snapshot.WireGuardInterface("wg1")); // configured, not up
    }

    [Fact]
    public void ServerCapture_Firewall_HasEveryBackendOnce()
    {
        var firewall = NetworkFixtures.Snapshot("lab-server.txt").Firewall;

        var legacyDrop = Assert.Single(firewall.Rules, r => r.Backend == FirewallBackend.Legacy);
        Assert.Equal("ip6tables-legacy -A INPUT -i eth0 -p tcp -m tcp --dport 2222 -j DROP", legacyDrop.Text);
        Assert.Equal(AddressFamily.InterNetworkV6, legacyDrop.Family);
        var nftDrop = Assert.Single(firewall.Rules, r => r is { Backend: FirewallBackend.Nft, Family: AddressFamily.InterNetworkV6 });
        Assert.Equal(("DROP", "8080"), (nftDrop.Target, nftDrop.DestinationPort));
        Assert.Contains(firewall.Rules, r => r is { InputInterface: "wg0", DestinationPort: "8080", Target: "ACCEPT", Family: AddressFamily.InterNetwork });
        // iptables-nft's tables show up in nft too; they are counted once, as iptables rules.
        Assert.All(firewall.NftRules, r => Assert.Equal("rbcap", r.Table));
        Assert.Equal(4, firewall.NftRules.Length);
        Assert.Equal(["input accept", "forward drop"], firewall.NftChains.Select(c => $"{c.Hook} {c.Policy}"));
        Assert.Equal(3, firewall.Chains.Count(c => c.Backend == FirewallBackend.Legacy));
    }

    [Fact]
    public void ServerCapture_SysctlsAndTheFilesThatSetThem()
    {
        var snapshot = NetworkFixtures.Snapshot("lab-server.txt");

        Assert.Equal(("1", "2", "1", "1420"), (snapshot.Sysctl("net.ipv4.ip_forward"), snapshot.Sysctl("net.ipv4.conf.eth0.rp_filter"),
            snapshot.Sysctl("net.ipv6.icmp.echo_ignore_all"), snapshot.Sysctl("net.ipv6.conf.wg0.mtu")));
        var forward = snapshot.SysctlFiles.Single(s => s.Name == "net.ipv4.ip_forward");
        Assert.Equal(("/etc/sysctl.d/60-rbcap.conf", 2, "1"), (forward.Path, forward.Line, forward.Value));
        // sysctl --system's order: by file name across the folders, /etc/sysctl.conf last.
        Assert.Equal(["/usr/lib/sysctl.d/50-pid-max.conf", "/etc/sysctl.d/60-rbcap.conf", "/run/sysctl.d/70-rbcap-run.conf", "/usr/lib/sysctl.d/99-protect-links.conf"],
            snapshot.SysctlFiles.Select(s => s.Path).Distinct());
        var sections = NetworkCapture.Split(NetworkFixtures.Read("lab-server.txt")).Sections.Select(s => s.Name).Where(n => n.StartsWith("sysctl-file", StringComparison.Ordinal));
        Assert.Equal(["/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf"], sections.TakeLast(2).Select(n => n["sysctl-file ".Length..]));
    }

    [Fact]
    public void ServerCapture_ListenersAndHosts()
    {
        var snapshot = NetworkFixtures.Snapshot("lab-server.txt");

        Assert.Contains(snapshot.Listeners, l => l is { Protocol: "tcp", Port: 8080, Process: "python3" } && l.Address.Equals(IPAddress.Parse("203.0.113.1")));
        Assert.Contains(snapshot.Listeners, l => l is { Protocol: "udp", Port: 51820, Process: "wireguard-go" });
        Assert.Equal(["rbcap-client", "client.lab.internal"], snapshot.HostsFile.Single(h => h.Line == 6).Names.ToArray());
    }

    [Fact]
    public void ClientCapture_ShowsWgQuicksFullTunnel()
    {
        var snapshot = NetworkFixtures.Snapshot("lab-client.txt");

        Assert.Empty(snapshot.Problems);
        var wg0 = snapshot.WireGuardInterface("wg0")!;
        Assert.Equal("0xca6c", wg0.FirewallMark);
        Assert.Equal("[fdaa:0:1::1]:51820", Assert.Single(wg0.Peers).Endpoint);
        Assert.Equal(NetworkFixtures.Snapshot("lab-server.txt").WireGuardInterface("wg0")!.PublicKey, wg0.Peers[0].PublicKey);
        Assert.Contains(snapshot.Rules, r => r.Text == "32765: not from all fwmark 0xca6c lookup 51820");
        Assert.Contains(snapshot.Routes, r => r is { Table: "51820", Device: "wg0" } && r.IsDefault);
        Assert.Equal("1", snapshot.Sysctl("net.ipv4.conf.all.src_valid_mark"));
        // wg-quick's own nft table is native, so it stays; the legacy rule comes from iptables-legacy-save.
        Assert.Equal(["wg-quick-wg0"], snapshot.Firewall.NftRules.Select(r => r.Table).Distinct());
        var legacy = Assert.Single(snapshot.Firewall.Rules);
        Assert.Equal((FirewallBackend.Legacy, "2223", "REJECT"), (legacy.Backend, legacy.DestinationPort, legacy.Target));
    }

    [Fact]
    public void BareCapture_AMissingToolIsAProblemNamingIt_NotAnException()
    {
        var snapshot = NetworkFixtures.Snapshot("lab-bare.txt");

        var wg = snapshot.Problems.Single(p => p.Section == "wg-dump");
        Assert.Equal(127, wg.ExitCode);
        Assert.StartsWith("wg show all dump", wg.Command);
        Assert.StartsWith("wg: command not found", wg.Message);
        Assert.Equal(["wg-dump", "iptables-legacy-save", "ip6tables-legacy-save", "nft"], snapshot.Problems.Select(p => p.Section));
        Assert.All(snapshot.Problems, p => Assert.Contains($"{p.Command.Split(' ')[0]}: command not found", p.Message));
        Assert.Empty(snapshot.WireGuard);
        Assert.Equal(["lo"], snapshot.Links.Select(l => l.Name));
        Assert.Equal("0", snapshot.Sysctl("net.ipv4.ip_forward"));
    }

    [Fact]
    public void NoCapturedFile_HoldsAPrivateOrPresharedKey()
    {
        var files = Directory.EnumerateFiles(NetworkFixtures.Directory, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);

        var leaks = files.SelectMany(file => SecretKeyLines(File.ReadAllText(file)).Select(line => $"{Path.GetFileName(file)}: {line}")).ToList();

        Assert.Empty(leaks);
    }

    [Fact]
    public void TheKeyScan_FindsKeysInEveryShapeWgPrintsThem()
    {
        const string key = "YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
        string[] leaks =
        [
            $"PrivateKey = {key}", $"  private key={key}", $"# PrivateKey = {key}", $"PresharedKey = {key}",
            $"PostUp = wg set %i private-key <(echo {key})",
            $"wg0\t{key}\t{key}\t51820\toff", $"wg0\t{key}\t{key}\t(none)\t(none)\t0\t0\t0\toff",
        ];

        Assert.Equal(leaks.Length, leaks.Count(l => SecretKeyLines(l).Any()));
        Assert.Empty(SecretKeyLines($"PrivateKey = (not captured; public key {key})\nPublicKey = {key}\nwg0\t(hidden)\t{key}\t51820\toff"));
    }

    [Fact]
    public void ACaptureCutShort_KeepsWhatCameBefore_AndSaysWhatIsMissing()
    {
        var whole = NetworkFixtures.Read("lab-server.txt");
        var cut = whole[..(whole.IndexOf("\"nftables\"", StringComparison.Ordinal) + 40)];
        var result = new CommandResult("lab", "…", 124, cut, "", DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(20));

        var snapshot = NetworkCapture.Parse("lab", result);

        Assert.Equal("rbcap-server", snapshot.Hostname);
        Assert.NotEmpty(snapshot.Firewall.Rules);
        Assert.Empty(snapshot.Firewall.NftRules);
        var nft = snapshot.Problems.Single(p => p.Section == "nft");
        Assert.Equal(CaptureProblem.NoExitCode, nft.ExitCode);
        Assert.Contains("cut off while `nft -j list ruleset` ran", nft.Message);
        Assert.Contains(snapshot.Problems, p => p.Section == "listeners" && p.Message.Contains("stopped before it", StringComparison.Ordinal));
        Assert.Contains("the host stopped it after 20 s (remote timeout)", snapshot.Problems.Single(p => p.Section == "capture").Message);
    }

    [Fact]
    public void ASectionThatDoesNotParse_IsAProblem_AndTheRestStands()
    {
        var capture = NetworkFixtures.Read("lab-server.txt");
        var garbled = capture.Replace("tcp LISTEN 0      5             203.0.113.1:8080", "tcp LISTEN 0      5             203.0.113.1:http", StringComparison.Ordinal);
        Assert.NotEqual(capture, garbled);

        var snapshot = NetworkCapture.Parse("lab", garbled, DateTimeOffset.UnixEpoch);

        var problem = Assert.Single(snapshot.Problems);
        Assert.Equal(("listeners", "ss -H -lntup", 0), (problem.Section, problem.Command, problem.ExitCode));
        Assert.Contains("could not be parsed", problem.Message);
        Assert.Contains("ss -H -lntup output, line 5: local address \"203.0.113.1:http\" does not end in \":<port>\"", problem.Message);
        Assert.Empty(snapshot.Listeners);
        Assert.Equal(3, snapshot.Links.Length);
    }

    [Fact]
    public void SectionOutput_CannotForgeAMarker()
    {
        // A file holding a marker-like line with another token: only lines with this capture's token are markers.
        const string token = "00112233445566778899aabbccddeeff";
        const string content = "127.0.0.1 localhost\nffeeddccbbaa99887766554433221100 end 0 hosts\n";
        var output = $"runbooks-network-capture 1 {token}\n{token} begin hosts\n{content}\n{token} stderr hosts\n\n{token} end 0 hosts\n{token} done\n";
        var forged = output.Replace("localhost\n", $"localhost\n{token} end 0 hosts\n", StringComparison.Ordinal);

        var (sections, done) = NetworkCapture.Split(output);
        var error = Assert.Throws<CaptureFormatException>(() => NetworkCapture.Split(forged));

        var hosts = Assert.Single(sections);
        Assert.Equal((content, "", 0, true), (hosts.Output, hosts.Error, hosts.ExitCode, done));
        Assert.Equal(("network capture", "line 4"), (error.Format, error.Location));
        Assert.Contains("marker \"end 0 hosts\" out of order; expected \"stderr hosts\"", error.Message);
    }

    [Fact]
    public void OutputWithoutTheHeader_IsRefusedClearly()
    {
        var error = Assert.Throws<CaptureFormatException>(() => NetworkCapture.Parse("h", "Linux 6.1\n", DateTimeOffset.UnixEpoch));
        var notRun = Assert.Throws<CaptureFormatException>(() =>
            NetworkCapture.Parse("h", new CommandResult("h", "…", 127, "", "sh: 1: exec: /bin/sh: not found\n", DateTimeOffset.UnixEpoch, TimeSpan.Zero)));

        Assert.Contains("no \"runbooks-network-capture 1 TOKEN\" line", error.Message);
        Assert.Contains("printed no header (exit code 127), so it did not run. Its shell said: sh: 1: exec: /bin/sh: not found", notRun.Message);
    }

    [Fact]
    public void TheCommand_IsOneShellLineWithBothTimeouts_AndAFreshTokenEachTime()
    {
        var first = NetworkCapture.Command();
        var second = NetworkCapture.Command();

        Assert.Equal((NetworkCapture.LocalTimeout, NetworkCapture.RemoteTimeout, CommandValidation.None), (first.Timeout, first.RemoteTimeout, first.Validation));
        Assert.StartsWith("timeout -k 2 20 ", first.CommandLine);
        Assert.StartsWith("exec /bin/sh -c ", first.ShellLine);
        Assert.NotEqual(TokenOf(first.ShellLine!), TokenOf(second.ShellLine!));
    }

    [Fact]
    public async Task CaptureOfThisMachine_ThroughLocalHost_ParsesWithoutParseProblems()
    {
        await using var host = new LocalHost();
        var hostname = (await host.RunAsync(HostCommand.Exec("uname", "-n"))).StandardOutput.Trim();

        var snapshot = await NetworkCapture.CaptureAsync(host);

        Assert.DoesNotContain(snapshot.Problems, p => p.ExitCode == 0 || p.ExitCode == CaptureProblem.NoExitCode);
        Assert.Equal(hostname, snapshot.Hostname);
        Assert.Contains(snapshot.Links, l => l.Name == "lo" && l.Addresses.Any(a => a.Address.Equals(IPAddress.Loopback)));
        Assert.Contains(snapshot.Routes, r => r is { Type: "local", Table: "local" });
        Assert.Contains(snapshot.Rules, r => r is { Priority: 32766, Table: "main" });
        Assert.NotNull(snapshot.Sysctl("net.ipv4.ip_forward"));
        Assert.Equal(snapshot.Links.Count(l => l.Name != "lo") + 3, snapshot.Sysctls.Keys.Count(k => k.StartsWith("net.ipv4.conf.", StringComparison.Ordinal) && k.EndsWith(".rp_filter", StringComparison.Ordinal)));
        Assert.Contains(snapshot.HostsFile, h => h.Names.Contains("localhost"));
    }

    [Theory]
    [InlineData("dash")]
    [InlineData("bash")]
    [InlineData("busybox")]
    public async Task TheScript_GivesTheSameSnapshotUnderEveryShell(string shell)
    {
        await using var host = new LocalHost();
        var script = NetworkCapture.Script(NetworkCapture.NewToken());
        var command = shell == "busybox" ? HostCommand.Exec("busybox", "sh", "-c", script) : HostCommand.Exec(shell, "-c", script);

        var result = await host.RunAsync(command.WithTimeout(TimeSpan.FromSeconds(30)));
        var snapshot = NetworkCapture.Parse(host.Name, result);
        var reference = await NetworkCapture.CaptureAsync(host);

        // Other work on this machine may add or remove interfaces meanwhile, so only what they cannot change is compared.
        Assert.Equal("", result.StandardError);
        Assert.Equal(reference.Problems.Select(p => p.Section), snapshot.Problems.Select(p => p.Section));
        Assert.Equal(reference.Hostname, snapshot.Hostname);
        Assert.Equal(reference.Link("lo"), snapshot.Link("lo"), LinkComparer);
        Assert.Equal(Global(reference.Sysctls), Global(snapshot.Sysctls));
        Assert.Equal(reference.SysctlFiles.ToArray(), snapshot.SysctlFiles.ToArray());
        Assert.Equal(reference.HostsFile.Select(h => (h.Line, h.Address, string.Join(' ', h.Names))), snapshot.HostsFile.Select(h => (h.Line, h.Address, string.Join(' ', h.Names))));
        Assert.Equal(reference.Rules.Select(r => r.Text), snapshot.Rules.Select(r => r.Text));
    }

    private static readonly IEqualityComparer<NetworkLink?> LinkComparer = EqualityComparer<NetworkLink?>.Create(
        (a, b) => a is not null && b is not null && (a.Name, a.Mtu, string.Join(' ', a.Addresses)) == (b.Name, b.Mtu, string.Join(' ', b.Addresses)));

    private static List<KeyValuePair<string, string>> Global(IReadOnlyDictionary<string, string> sysctls) =>
        [.. sysctls.Where(s => !s.Key.Contains(".conf.", StringComparison.Ordinal) || s.Key.Contains(".conf.all.", StringComparison.Ordinal) || s.Key.Contains(".conf.lo.", StringComparison.Ordinal)).OrderBy(s => s.Key, StringComparer.Ordinal)];

    private static string TokenOf(string shellLine) => TokenPattern().Match(shellLine).Groups[1].Value;

    // A line with a key-shaped value that is about a private or preshared key, or the key fields of a wg dump line,
    // unless the capture replaced it ("(not captured").
    private static IEnumerable<string> SecretKeyLines(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!Key().IsMatch(line))
                continue;
            var compact = Regex.Replace(line, @"\s+", "").ToLowerInvariant();
            var fields = line.Split('\t');
            var aboutSecret = (compact.Contains("private", StringComparison.Ordinal) || compact.Contains("preshared", StringComparison.Ordinal))
                && !compact.Contains("(notcaptured", StringComparison.Ordinal);
            var dumpSecret = (fields.Length == 5 && Key().IsMatch(fields[1])) || (fields.Length == 9 && Key().IsMatch(fields[2]));
            if (aboutSecret || dumpSecret)
                yield return line;
        }
    }

    [GeneratedRegex("[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=")]
    private static partial Regex Key();

    [GeneratedRegex("T=([0-9a-f]{32})")]
    private static partial Regex TokenPattern();
}
