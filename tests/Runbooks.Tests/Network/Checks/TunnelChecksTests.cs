using System.Net;
using System.Net.Sockets;
using Runbooks.Checks;
using Runbooks.Network.Checks;
using Runbooks.Network.Fixes;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Network.Checks;

/// <summary>
/// The checks and the planner over real captures of the network twin (data/captures/network/twin-*, made with
/// `runbook capture network --profile twin --raw`): broken as `lab up` leaves it, and after `runbook fix network`.
/// </summary>
public class TunnelChecksTests
{
    private static TunnelState Twin(string which) =>
        new(NetworkFixtures.Snapshot($"twin-{which}/server.txt"), NetworkFixtures.Snapshot($"twin-{which}/client.txt"));

    [Fact]
    public void The_broken_twin_shows_every_planted_fault_and_nothing_else()
    {
        var diagnosis = TunnelChecks.Run(Twin("broken"));

        Assert.Equal(
            [
                ("client", "initiator-endpoint-missing"), ("client", "peer-address-not-allowed"), ("client", "route-via-own-address"),
                ("client", "tunnel-mtu-too-large"), ("client", "tunnel-peer-not-routed-via-wg"), ("client", "tunnel-subnet-mismatch"),
                ("client", "wireguard-udp-dropped"), ("server", "icmp-echo-ignored"), ("server", "service-dropped-on-tunnel"),
                ("server", "service-open-on-underlay"), ("server", "tunnel-mtu-mismatch"), ("server", "wireguard-udp-dropped"),
            ],
            diagnosis.Findings.Select(f => (f.Host, f.Check)).Order().ToArray());
        Assert.All(diagnosis.Findings, f => Assert.NotEmpty(f.Evidence));
    }

    [Fact]
    public void The_intent_follows_the_servers_config()
    {
        var intent = TunnelChecks.Run(Twin("broken")).Intent!;

        Assert.Equal("192.0.2.1/24", intent.ServerAddress.ToString());
        Assert.Equal("192.0.2.2/24", intent.ClientAddress.ToString());   // what the server's AllowedIPs expect
        Assert.Equal(1340, intent.Mtu);
        Assert.Equal("[fdaa:0:1:a7b::2]:51820", intent.Endpoint);
    }

    [Fact]
    public void The_fixed_twin_has_no_findings_and_no_plan()
    {
        var state = Twin("fixed");
        var diagnosis = TunnelChecks.Run(state);

        Assert.Empty(diagnosis.Findings);
        Assert.Empty(NetworkFixPlanner.Plan(diagnosis, state));
    }

    [Fact]
    public void The_plan_fixes_the_server_first_and_rewrites_each_config_once()
    {
        var state = Twin("broken");
        var plan = NetworkFixPlanner.Plan(TunnelChecks.Run(state), state);

        Assert.Equal(
            [
                "server-delete-ip6tables-legacy-input-1", "server-delete-iptables-input-1", "server-insert-ip6tables-input-tcp-8080-drop",
                "server-sysctl-net.ipv4.icmp_echo_ignore_all", "server-rewrite-wg0-conf", "server-restart-wg0",
                "client-delete-ip6tables-input-1", "client-delete-route-192.0.2.0_24-eth0", "client-delete-route-203.0.113.0_24-eth0",
                "client-rewrite-wg0-conf", "client-restart-wg0",
            ],
            plan.Select(s => s.Id).ToArray());
        Assert.All(plan, s => Assert.True(s.Precondition(state), $"{s.Id} should be needed on the broken twin"));
        // A restart verifies "running = config", which holds before the rewrite too: the rewrite's own check covers the edits.
        Assert.All(plan.Where(s => !s.Id.EndsWith("restart-wg0", StringComparison.Ordinal)), s => Assert.False(s.Verification(state), $"{s.Id} should not verify on the broken twin"));

        var client = plan.Single(s => s.Id == "client-rewrite-wg0-conf");
        Assert.Contains("- Address = 203.0.113.2/24\n+ Address = 192.0.2.2/24\n", client.Diff, StringComparison.Ordinal);
        Assert.Contains("+ Endpoint = [fdaa:0:1:a7b::2]:51820\n", client.Diff, StringComparison.Ordinal);
        Assert.Contains("PrivateKey = (not captured", client.Diff, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_step_verifies_on_the_fixed_twin()
    {
        var broken = Twin("broken");
        var plan = NetworkFixPlanner.Plan(TunnelChecks.Run(broken), broken);
        var fixedState = Twin("fixed");

        Assert.All(plan, s => Assert.True(s.Verification(fixedState), $"{s.Id}: {s.VerificationText}"));
        Assert.All(plan, s => Assert.False(s.Precondition(fixedState), $"{s.Id} should have nothing left to do"));
    }

    [Fact]
    public void Route_lookup_replays_the_bogus_route_and_then_the_tunnel_route()
    {
        var server = IPAddress.Parse("192.0.2.1");

        var broken = RouteLookup.Lookup(Twin("broken").Client, server);
        Assert.Equal(("eth0", "192.0.2.0/24", "198.51.100.3"), (broken.Device, broken.Route!.Destination.ToString(), broken.Route.Gateway!.ToString()));

        var repaired = RouteLookup.Lookup(Twin("fixed").Client, server);
        Assert.Equal("wg0", repaired.Device);
    }

    [Fact]
    public void The_packet_filter_sees_the_legacy_rule_that_iptables_nft_hides()
    {
        var firewall = Twin("broken").Server.Firewall;

        var udp = PacketFilter.Evaluate(firewall, Packet.In(AddressFamily.InterNetworkV6, "udp", 51820, "eth0"));
        Assert.True(udp.Dropped);
        Assert.Equal("ip6tables-legacy", Assert.Single(udp.DroppingRules).Tool);

        Assert.False(PacketFilter.Evaluate(firewall, Packet.In(AddressFamily.InterNetworkV6, "udp", 51821, "eth0")).Dropped);
        Assert.True(PacketFilter.Evaluate(firewall, Packet.In(AddressFamily.InterNetwork, "tcp", 8080, "wg0")).Dropped);
        Assert.False(PacketFilter.Evaluate(firewall, Packet.In(AddressFamily.InterNetwork, "tcp", 8080, "eth0")).Dropped);

        var fixedFilter = Twin("fixed").Server.Firewall;
        Assert.True(PacketFilter.Evaluate(fixedFilter, Packet.In(AddressFamily.InterNetworkV6, "tcp", 8080, "eth0")).Dropped);
        Assert.False(PacketFilter.Evaluate(fixedFilter, Packet.In(AddressFamily.InterNetworkV6, "udp", 51820, "eth0")).Dropped);
    }

    [Fact]
    public void A_missing_client_config_is_one_clear_finding_without_a_plan()
    {
        var state = Twin("broken");
        state = state with { Client = state.Client with { WireGuardConfigs = [] } };

        var diagnosis = TunnelChecks.Run(state);

        var finding = Assert.Single(diagnosis.Findings, f => f.Severity == Severity.Error);
        Assert.Equal("tunnel-intent-unknown", finding.Check);
        Assert.Contains("the client has no /etc/wireguard/wg0.conf", finding.Explanation, StringComparison.Ordinal);
        Assert.Empty(NetworkFixPlanner.Plan(diagnosis, state));
    }
}
