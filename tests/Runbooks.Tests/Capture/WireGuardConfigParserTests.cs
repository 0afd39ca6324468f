using System.Net;
using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class WireGuardConfigParserTests
{
    [Fact]
    public void ServerConfig_HasItsAddressesPortMtuHooksAndPeers_WithLineNumbers()
    {
        var config = WireGuardConfigParser.Parse("/etc/wireguard/wg0.conf", NetworkFixtures.Read("wg0-server.conf"));

        Assert.Equal(("wg0", 2), (config.InterfaceName, config.Interface.SectionLine));
        Assert.Equal(["203.0.113.1/24", "fdaa:0:2::1/64"], config.Interface.Addresses.Select(a => a.ToString()));
        // "mtu" in lower case: wg-quick reads keys in any case.
        Assert.Equal((51820, 1420), (config.Interface.ListenPort, config.Interface.Mtu));
        Assert.Equal([("PostUp", "iptables -A INPUT -i %i -p tcp --dport 8080 -j ACCEPT"), ("PostDown", "iptables -D INPUT -i %i -p tcp --dport 8080 -j ACCEPT")],
            config.Interface.Hooks.Select(h => (h.Key, h.Value)));
        Assert.Equal([11, 18], config.Peers.Select(p => p.SectionLine));
        // Two AllowedIPs lines add up; the comment after the second is not part of it.
        Assert.Equal(["203.0.113.2/32", "fdaa:0:2::2/128", "192.0.2.200/32"], config.Peers[0].AllowedIps.Select(p => p.ToString()));
        Assert.True(config.Peers[0].HasPresharedKey);
        Assert.Equal((null, 25, false), (config.Peers[1].Endpoint, config.Peers[1].PersistentKeepalive, config.Peers[1].HasPresharedKey));
        Assert.Equal(22, config.Lines.Length);
        Assert.Equal(new(7, 2, "mtu", "1420"), config.Settings.Single(s => s.Key == "mtu"));
        Assert.Equal([15, 16], config.Settings.Where(s => s.Key == "AllowedIPs" && s.SectionLine == 11).Select(s => s.Line));
    }

    [Fact]
    public void PrivateKeyLine_GivesThePublicKeyDerivedOnTheMachine()
    {
        var server = WireGuardConfigParser.Parse("/etc/wireguard/wg0.conf", NetworkFixtures.Read("wg0-server.conf"));
        var running = Assert.Single(WireGuardDumpParser.Parse(NetworkFixtures.Read("wg-dump-server.txt")));

        Assert.NotNull(server.Interface.PublicKey);
        Assert.Equal(running.PublicKey, server.Interface.PublicKey);
        Assert.StartsWith("PrivateKey = (not captured; public key ", server.Lines[5]);
    }

    [Fact]
    public void OddCaseSpacingAndLists_AreReadAsWgQuickReadsThem()
    {
        var config = WireGuardConfigParser.Parse("/etc/wireguard/wg1.conf", NetworkFixtures.Read("wg1-server.conf"));

        Assert.Equal(1, config.Interface.SectionLine); // "[interface]"
        Assert.Equal(["192.0.2.129/25", "fdaa:0:5::1/64"], config.Interface.Addresses.Select(a => a.ToString()));
        Assert.Equal(["192.0.2.53", "fdaa:0:5::53", "lab.internal"], config.Interface.Dns.ToArray());
        Assert.Equal(("off", 51821), (config.Interface.Table, config.Interface.ListenPort));
        var peer = Assert.Single(config.Peers); // "[PEER]"
        Assert.Equal((8, "[fdaa:0:1::1]:51820"), (peer.SectionLine, peer.Endpoint));
        Assert.Equal([IPNetwork.Parse("192.0.2.128/25")], peer.AllowedIps.ToArray());
    }

    [Fact]
    public void KeyFilterCases_LeaveNoKeyButKeepTheStructure()
    {
        var config = WireGuardConfigParser.Parse("/etc/wireguard/wg9.conf", NetworkFixtures.Read("wg9-server.conf"));

        // "Private Key = …" (wg ignores the space) became a PrivateKey line with its public key.
        Assert.NotNull(config.Interface.PublicKey);
        Assert.StartsWith("# PrivateKey = (not captured; public key ", config.Lines[2]);
        Assert.StartsWith("PrivateKey = (not captured; public key ", config.Lines[3]);
        Assert.All(config.Interface.Hooks, h => Assert.Equal("(not captured: it holds a key-shaped value)", h.Value));
        // The CRLF line still gives its value.
        Assert.Equal(51829, config.Interface.ListenPort);
        Assert.Equal(["192.0.2.99/32"], config.Peers[0].AllowedIps.Select(p => p.ToString()));
        Assert.True(config.Peers[0].HasPresharedKey);
        Assert.EndsWith("# (comment not captured: it holds a key-shaped value)", config.Lines[8]);
        Assert.Equal("PrivateKey = (not captured; public key unknown: not a valid key)", config.Lines[^1]);
    }

    [Fact]
    public void AFileWithoutInterfaceSection_HasSectionLineZero()
    {
        var config = WireGuardConfigParser.Parse("/etc/wireguard/peers.conf", "[Peer]\nPublicKey = abc\nAllowedIPs = 10.0.0.1\n");

        Assert.Equal(("peers", 0), (config.InterfaceName, config.Interface.SectionLine));
        Assert.Equal([IPNetwork.Parse("10.0.0.1/32")], config.Peers[0].AllowedIps.ToArray());
    }

    [Theory]
    [InlineData("[Interface]\nAddress 10.0.0.1/24\n", "line 2", "neither \"Key = Value\"")]
    [InlineData("[Peers]\n", "line 1", "unknown section \"[Peers]\"; expected [Interface] or [Peer]")]
    [InlineData("ListenPort = 1\n[Interface]\n", "line 1", "comes before any [Interface] or [Peer] header")]
    [InlineData("[Interface]\nMTU = big\n", "line 2", "MTU \"big\" is not a whole number")]
    [InlineData("[Interface]\nAddress = 10.0.0.1/24, 10.0.0.300/24\n", "line 2", "Address \"10.0.0.300/24\"")]
    [InlineData("[Interface]\n\n[Peer]\nAllowedIPs = 10.0.0.0/8, ::/129\n", "line 4", "AllowedIPs entry \"::/129\"")]
    public void MalformedConfig_NamesTheFileTheLineAndWhatWasExpected(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => WireGuardConfigParser.Parse("/etc/wireguard/wg0.conf", text));

        Assert.Equal(("wg-quick config /etc/wireguard/wg0.conf", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
