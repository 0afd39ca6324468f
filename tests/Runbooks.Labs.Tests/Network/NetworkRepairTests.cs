using System.Text.Json;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Labs.Network;
using Runbooks.Labs.Tests.Cli;
using Runbooks.Network;

namespace Runbooks.Labs.Tests.Network;

/// <summary>
/// The network runbook's library against the real broken twin: every planted fault named with its evidence,
/// check mode that changes nothing, a fix that makes the challenge's own test pass, survives wg-quick
/// down/up and is idempotent, and bad input that fails clearly before anything changes.
/// </summary>
[Collection(NetworkLabCollection.Name)]
public sealed class NetworkRepairTests(NetworkLabFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-repair-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static NetworkTargets Targets(NetworkLabState lab, string? identityFile = null, string? server = null) =>
        NetworkTargets.Create(server ?? lab.Server.Address6pn, lab.Client.Address6pn, identityFile: identityFile ?? lab.IdentityFile,
            knownHostsFile: lab.KnownHostsFile, hostKeyPolicy: "accept-new");

    [Fact]
    public async Task Diagnose_NamesEveryPlantedFault_WithTheStateThatShowsIt()
    {
        var lab = await fixture.PristineAsync();
        await using var session = await TunnelSession.ConnectAsync(Targets(lab));

        var (_, diagnosis, probes) = await session.DiagnoseAsync();

        string Evidence(string host, string check)
        {
            var found = diagnosis.Findings.Where(f => f.Host == host && f.Check == check).ToList();
            Assert.True(found.Count > 0, $"no {check} on the {host}; found: {string.Join(", ", diagnosis.Findings.Select(f => $"{f.Host}/{f.Check}"))}");
            return string.Join("\n", found.SelectMany(f => f.Evidence));
        }
        // N1: the client's tunnel subnet and its AllowedIPs follow 203.0.113.0/24, the server's 192.0.2.0/24.
        Assert.Contains("Address = 203.0.113.2/24", Evidence("client", "tunnel-subnet-mismatch"), StringComparison.Ordinal);
        Assert.Contains("AllowedIPs = 203.0.113.1/32", Evidence("client", "peer-address-not-allowed"), StringComparison.Ordinal);
        // N2: no Endpoint on the initiator.
        Assert.Contains("has no Endpoint", Evidence("client", "initiator-endpoint-missing"), StringComparison.Ordinal);
        // N3: 1800 over a 1420 underlay, and 1280 against it.
        Assert.Contains("MTU = 1800", Evidence("client", "tunnel-mtu-too-large"), StringComparison.Ordinal);
        Assert.Contains("MTU = 1280", Evidence("server", "tunnel-mtu-mismatch"), StringComparison.Ordinal);
        // N4: both sides drop WireGuard's UDP; the server's rule is in the legacy tables, invisible to ip6tables -S.
        Assert.Matches(@"ip6tables -A INPUT .*--dport 51820 -j DROP", Evidence("client", "wireguard-udp-dropped"));
        Assert.Matches(@"ip6tables-legacy -A INPUT .*--dport 51820 -j DROP", Evidence("server", "wireguard-udp-dropped"));
        // N5: the service port dropped on wg0.
        Assert.Matches(@"iptables -A INPUT -i wg0 .*--dport 8080 -j DROP", Evidence("server", "service-dropped-on-tunnel"));
        // N6: pings ignored.
        Assert.Contains("net.ipv4.icmp_echo_ignore_all = 1", Evidence("server", "icmp-echo-ignored"), StringComparison.Ordinal);
        // N7: both bogus routes through the client's own address.
        var routes = string.Join("\n", diagnosis.Findings.Where(f => f.Host == "client" && f.Check is "tunnel-peer-not-routed-via-wg" or "stray-tunnel-route" or "route-via-own-address").SelectMany(f => f.Evidence));
        Assert.Contains("192.0.2.0/24 via 198.51.100.3 dev eth0", routes, StringComparison.Ordinal);
        Assert.Contains("203.0.113.0/24 via 198.51.100.3 dev eth0", routes, StringComparison.Ordinal);
        // N8: nothing closes the service on 6pn.
        Assert.Contains("accepted", Evidence("server", "service-open-on-underlay"), StringComparison.Ordinal);
        // And the symptoms, as the challenge's test would see them.
        Assert.NotNull(probes);
        Assert.All(probes.All, p => Assert.False(p.Wanted, $"{p.Name} should fail on the broken twin: {p.Output}"));
    }

    [Fact]
    public async Task CheckModeChangesNothing_FixRepairsForGood_AndASecondFixChangesNothing()
    {
        var lab = await fixture.PristineAsync();
        await using var session = await TunnelSession.ConnectAsync(Targets(lab));
        var before = await session.CaptureAsync();

        var check = await session.FixAsync(checkMode: true);
        Assert.True(check.Changed >= 8, $"check mode should plan every fix; planned {check.Changed}");
        Assert.All(check.Steps, s => Assert.Equal(StepStatus.WouldChange, s.Status));
        var afterCheck = await session.CaptureAsync();
        Assert.True(StateFingerprint.Of(before) == StateFingerprint.Of(afterCheck), StateFingerprint.Difference(before, afterCheck));

        fixture.Changed();
        var fix = await session.FixAsync(checkMode: false);
        Assert.True(fix.Succeeded, string.Join("\n", fix.Steps.Select(s => $"{s.Status} {s.Title} {s.Error}")));
        Assert.Empty(fix.After.Findings);

        var test = await session.RunTestConnectionAsync();
        Assert.True(test.ExitCode == 0, test.StandardOutput + test.StandardError);

        // The fixed state is in the files: a reset of both interfaces from their configs keeps it.
        foreach (var host in new[] { session.Server, session.Client })
            await host.RunAsync(HostCommand.Shell("wg-quick down wg0; wg-quick up wg0"));
        var (_, afterReset, probes) = await session.DiagnoseAsync();
        Assert.Empty(afterReset.Findings);
        Assert.True(probes!.AllWanted, string.Join("\n", probes.All.Select(p => $"{p.Name}: {p.Output}")));

        var second = await session.FixAsync(checkMode: false);
        Assert.Equal(0, second.Changed);

        // The CLI's JSON contract over the same fixed pair.
        var diagnose = RunbookProgram.Run("--config", Catalogue(lab), "diagnose", "network", "--profile", "twin", "--json");
        Assert.True(diagnose.ExitCode == 0, diagnose.Output);
        using (var json = JsonDocument.Parse(diagnose.Stdout))
            Assert.Equal(0, json.RootElement.GetProperty("findings").GetArrayLength());
        var again = RunbookProgram.Run("--config", Catalogue(lab), "fix", "network", "--profile", "twin", "--json");
        Assert.True(again.ExitCode == 0, again.Output);
        using (var json = JsonDocument.Parse(again.Stdout))
            Assert.Equal(0, json.RootElement.GetProperty("changed").GetInt32());
    }

    [Fact]
    public async Task TheCli_DiagnosesAndPlansTheBrokenPair_AsJson()
    {
        var lab = await fixture.PristineAsync();
        var config = Catalogue(lab);

        var diagnose = RunbookProgram.Run("--config", config, "diagnose", "network", "--profile", "twin", "--json");
        Assert.True(diagnose.ExitCode == 1, diagnose.Output);   // errors found
        using (var json = JsonDocument.Parse(diagnose.Stdout))
        {
            var findings = json.RootElement.GetProperty("findings").EnumerateArray().ToList();
            Assert.Contains(findings, f => f.GetProperty("check").GetString() == "wireguard-udp-dropped" && f.GetProperty("severity").GetString() == "error");
            Assert.All(findings, f => Assert.True(f.GetProperty("evidence").GetArrayLength() > 0));
        }

        var plan = RunbookProgram.Run("--config", config, "fix", "network", "--profile", "twin", "--check", "--json");
        Assert.True(plan.ExitCode == 0, plan.Output);
        using (var json = JsonDocument.Parse(plan.Stdout))
        {
            Assert.True(json.RootElement.GetProperty("changed").GetInt32() >= 8);
            Assert.All(json.RootElement.GetProperty("steps").EnumerateArray(), s => Assert.Equal("would-change", s.GetProperty("status").GetString()));
        }
        Assert.DoesNotContain("PrivateKey = ", plan.Output.Replace("PrivateKey = (not captured", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_FailsClearly_NamingTheHost_BeforeAnythingChanges()
    {
        var lab = await fixture.PristineAsync();
        var config = Catalogue(lab);

        var unreachable = RunbookProgram.Run("--config", config, "diagnose", "network", "--profile", "nobody-there");
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("fdaa:0:1:a7b::99", unreachable.Stderr, StringComparison.Ordinal);
        Assert.True(unreachable.Duration < TimeSpan.FromSeconds(15), $"took {unreachable.Duration}");

        var refused = RunbookProgram.Run("--config", config, "fix", "network", "--profile", "wrong-key");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("fdaa:0:1:a7b::", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("auth", refused.Stderr, StringComparison.OrdinalIgnoreCase);

        var profile = RunbookProgram.Run("--config", config, "diagnose", "network", "--profile", "twni");
        Assert.Equal(2, profile.ExitCode);
        Assert.Contains("did you mean \"twin\"", profile.Stderr, StringComparison.Ordinal);

        // A client without wg: hidden in its own mount namespace only, as on a machine without wireguard-tools.
        await using (var session = await TunnelSession.ConnectAsync(Targets(lab)))
        {
            var before = await session.CaptureAsync();
            await fixture.Lab.ExecAsync("client", "mount --bind /dev/null /usr/bin/wg");
            try
            {
                var e = await Assert.ThrowsAsync<MissingToolException>(() => TunnelSession.ConnectAsync(Targets(lab)));
                Assert.Contains("client (fdaa:0:1:a7b::3) lacks wg", e.Message, StringComparison.Ordinal);
                var cli = RunbookProgram.Run("--config", config, "fix", "network", "--profile", "twin");
                Assert.Equal(3, cli.ExitCode);
                Assert.Contains("lacks wg", cli.Stderr, StringComparison.Ordinal);
            }
            finally
            {
                await fixture.Lab.ExecAsync("client", "umount /usr/bin/wg");
            }
            var after = await session.CaptureAsync();
            Assert.True(StateFingerprint.Of(before) == StateFingerprint.Of(after), StateFingerprint.Difference(before, after));
        }
    }

    private string Catalogue(NetworkLabState lab) => Catalogue(_folder, lab);

    /// <summary>A catalogue in <paramref name="folder"/> with the repository's network runbook and the profiles the lab
    /// tests need: twin, nobody-there (no machine at the server's address), wrong-key (a key the machines refuse).</summary>
    internal static string Catalogue(string folder, NetworkLabState lab)
    {
        var notebook = Path.Combine(Repository.Root(), "runbooks", "network-wireguard.ipynb");
        var strangerKey = Path.Combine(folder, "stranger_ed25519");
        if (!File.Exists(strangerKey))
            RunLocal($"ssh-keygen -q -t ed25519 -N '' -f {strangerKey}");
        string Profile(string server, string identity) => JsonSerializer.Serialize(new
        {
            parameters = new { lab = "network", server, client = lab.Client.Address6pn, identityFile = identity, knownHostsFile = lab.KnownHostsFile, hostKeyPolicy = "accept-new" },
        });
        var path = Path.Combine(folder, "nbconfig.json");
        File.WriteAllText(path, $$"""
            { "notebooks": { "network-wireguard": { "path": {{JsonSerializer.Serialize(notebook)}}, "profiles": {
                "twin": {{Profile(lab.Server.Address6pn, lab.IdentityFile)}},
                "nobody-there": {{Profile("fdaa:0:1:a7b::99", lab.IdentityFile)}},
                "wrong-key": {{Profile(lab.Server.Address6pn, strangerKey)}} } } } }
            """);
        return path;
    }

    private static void RunLocal(string commandLine)
    {
        using var process = System.Diagnostics.Process.Start("bash", ["-c", commandLine]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
