using System.Net.Sockets;
using Runbooks.Capture;
using Runbooks.Network.Checks;
using Runbooks.Network.Snapshot;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Network.Checks;

/// <summary>
/// The packet filter model over rules the real tools printed (data/captures/network/filters, one injected fault
/// each): every hook and table a packet crosses, request and reply, native nft chains with their jumps and policies.
/// </summary>
public class PacketFilterTests
{
    private const AddressFamily V4 = AddressFamily.InterNetwork, V6 = AddressFamily.InterNetworkV6;

    private static FirewallState Iptables(string file, AddressFamily family)
    {
        var save = IptablesSaveParser.Parse(NetworkFixtures.Read($"filters/{file}"), family, FirewallBackend.Nft);
        return new FirewallState(save.Chains, save.Rules, []);
    }

    private static FirewallState Nft(string file)
    {
        var ruleset = NftJsonParser.Parse(NetworkFixtures.Read($"filters/{file}"));
        return new FirewallState([], [], ruleset.Rules) { NftChains = ruleset.Chains };
    }

    [Fact]
    public void A_drop_on_OUTPUT_stops_the_initiators_handshake_but_not_what_arrives()
    {
        var firewall = Iptables("output-udp-drop.v6.txt", V6);

        var handshake = PacketFilter.Evaluate(firewall, new Packet(V6, "udp", PacketHook.Output, "eth0", DestinationPort: 51820));
        Assert.True(handshake.Dropped);
        Assert.Equal("OUTPUT", Assert.Single(handshake.DroppingRules).Chain);
        Assert.False(PacketFilter.Evaluate(firewall, Packet.In(V6, "udp", 51820, "eth0")).Dropped);
    }

    [Fact]
    public void A_drop_in_the_raw_table_counts_before_filter_ever_sees_the_packet()
    {
        var verdict = PacketFilter.Evaluate(Iptables("raw-prerouting-udp-drop.v6.txt", V6), Packet.In(V6, "udp", 51820, "eth0"));

        Assert.True(verdict.Dropped);
        Assert.Equal(("raw", "PREROUTING"), (verdict.DroppingRules[0].Table, verdict.DroppingRules[0].Chain));
        Assert.Contains("ip6tables -t raw -A PREROUTING", verdict.Evidence.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ping_requests_are_new_and_replies_established_and_a_port_rule_never_matches_icmp()
    {
        var firewall = Iptables("icmp-drop-established-first.v4.txt", V4);

        Assert.True(PacketFilter.Evaluate(firewall, new Packet(V4, "icmp", PacketHook.Input, "wg0")).Dropped);
        // The reply is accepted by the ESTABLISHED rule before the ICMP drop.
        Assert.False(PacketFilter.Evaluate(firewall, new Packet(V4, "icmp", PacketHook.Input, "wg0", Reply: true)).Dropped);
        // The service's reply is dropped on the way out; a request to it leaving wg0 is not.
        Assert.True(PacketFilter.Evaluate(firewall, new Packet(V4, "tcp", PacketHook.Output, "wg0", SourcePort: 8080, Reply: true)).Dropped);
        Assert.False(PacketFilter.Evaluate(firewall, new Packet(V4, "tcp", PacketHook.Output, "wg0", DestinationPort: 8080)).Dropped);
        Assert.False(PacketFilter.Evaluate(firewall, new Packet(V4, "icmp", PacketHook.Output, "wg0")).Dropped);
    }

    [Fact]
    public void A_DROP_policy_is_named_as_what_drops_with_the_command_that_shows_it()
    {
        var verdict = PacketFilter.Evaluate(Iptables("input-policy-drop.v4.txt", V4), Packet.In(V4, "tcp", 8080, "wg0"));

        Assert.True(verdict.Dropped);
        Assert.Empty(verdict.DroppingRules);
        Assert.Equal("iptables -P INPUT DROP", Assert.Single(verdict.Evidence));
        Assert.False(PacketFilter.Evaluate(Iptables("input-policy-drop.v4.txt", V4), Packet.In(V4, "tcp", 8080, "lo")).Dropped);
    }

    [Fact]
    public void Native_nft_chains_drop_by_policy_by_rule_and_through_jumps_in_their_own_hooks()
    {
        var firewall = Nft("nft-guard.json");

        var fromTunnel = PacketFilter.Evaluate(firewall, Packet.In(V4, "tcp", 8080, "wg0"));
        Assert.True(fromTunnel.Dropped);
        Assert.Equal("in", Assert.Single(fromTunnel.DroppingNftChains).Name);
        Assert.False(PacketFilter.Evaluate(firewall, Packet.In(V6, "udp", 51820, "eth0")).Dropped);   // iifname != wg0 accept

        var handshake = PacketFilter.Evaluate(firewall, new Packet(V6, "udp", PacketHook.Output, "eth0", DestinationPort: 51820));
        Assert.Equal("tunnel", Assert.Single(handshake.DroppingNftRules).Chain);   // reached by `jump tunnel`
        var reply = PacketFilter.Evaluate(firewall, new Packet(V4, "tcp", PacketHook.Output, "wg0", SourcePort: 8080, Reply: true));
        Assert.Equal("wg0", Assert.Single(reply.DroppingNftRules).OutputInterface);
    }

    [Theory]
    [InlineData(null, 51820, true)]
    [InlineData("51820", 51820, true)]
    [InlineData("51820", 51821, false)]
    [InlineData("51000:52000", 51820, true)]
    [InlineData("8000-9000", 8080, true)]
    [InlineData("80,443,8080", 8080, true)]
    [InlineData("{ 80, 443 }", 8080, false)]
    [InlineData("! 8080", 8080, false)]
    [InlineData("!8080", 22, true)]
    [InlineData("8080", null, false)]   // a port match never holds for ICMP
    public void Ports_match_as_iptables_and_nft_write_them(string? ports, int? port, bool matches) =>
        Assert.Equal(matches, PacketFilter.PortMatches(ports, port));

    [Theory]
    [InlineData(null, "eth0", true)]
    [InlineData("eth0", "eth0", true)]
    [InlineData("eth+", "eth0", true)]
    [InlineData("wg0", "eth0", false)]
    [InlineData("!wg0", "eth0", true)]
    [InlineData("! eth0", "eth0", false)]
    public void Interfaces_match_with_wildcards_and_negation(string? pattern, string name, bool matches) =>
        Assert.Equal(matches, PacketFilter.InterfaceMatches(pattern, name));
}
