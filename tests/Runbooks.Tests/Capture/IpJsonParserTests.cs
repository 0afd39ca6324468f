using System.Net;
using System.Net.Sockets;
using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class IpJsonParserTests
{
    [Fact]
    public void Links_GiveNamesMtusKindsAndAddressesWithTheirFlags()
    {
        var links = IpJsonParser.ParseLinks(NetworkFixtures.Read("ip-addr-server.json"));

        Assert.Equal(["lo", "wg0", "eth0"], links.Select(l => l.Name));
        var wg0 = links.Single(l => l.Name == "wg0");
        // wireguard-go's interface is a tun device, and an up tun says UNKNOWN.
        Assert.Equal((1420, "tun", "UNKNOWN", true), (wg0.Mtu, wg0.Kind, wg0.OperationalState, wg0.IsUp));
        Assert.Equal(["203.0.113.1/24"], wg0.AddressesOf(AddressFamily.InterNetwork).Select(a => a.ToString()));
        Assert.Equal(IPNetwork.Parse("203.0.113.0/24"), wg0.Addresses[0].Subnet);
        var eth0 = links.Single(l => l.Name == "eth0");
        Assert.Equal(("veth", "ether", 1500), (eth0.Kind, eth0.LinkType, eth0.Mtu));
        var pinned = eth0.Addresses.Single(a => a.Address.Equals(IPAddress.Parse("fdaa:0:1::1")));
        Assert.Equal((64, "global", "nodad"), (pinned.PrefixLength, pinned.Scope, Assert.Single(pinned.Flags)));
        Assert.Equal("link", eth0.Addresses.Single(a => a.Address.IsIPv6LinkLocal).Scope);
        Assert.Null(links.Single(l => l.Name == "lo").Kind);
    }

    [Fact]
    public void Routes_FillInWhatIpLeavesOut_AndKeepGatewaysOfEveryShape()
    {
        var routes = IpJsonParser.ParseRoutes(NetworkFixtures.Read("ip-route4-server.json"), AddressFamily.InterNetwork);

        var viaPeer = routes.Single(r => r.Destination == IPNetwork.Parse("192.0.2.0/25"));
        Assert.Equal((IPAddress.Parse("198.51.100.2"), "eth0", "main", "unicast", "boot", "global", 50),
            (viaPeer.Gateway, viaPeer.Device, viaPeer.Table, viaPeer.Type, viaPeer.Protocol, viaPeer.Scope, viaPeer.Metric));
        Assert.Equal("192.0.2.0/25 via 198.51.100.2 dev eth0 metric 50", viaPeer.Text);

        var onLink = routes.Single(r => r.Destination == IPNetwork.Parse("10.96.0.0/16"));
        Assert.True(onLink.OnLink);
        Assert.Equal("10.96.0.0/16 via 192.0.2.254 dev eth0 onlink", onLink.Text);

        // An IPv4 route through an IPv6 next hop comes as "via": {"family": "inet6", "host": …}.
        var overV6 = routes.Single(r => r.Destination == IPNetwork.Parse("10.90.0.0/16"));
        Assert.Equal(IPAddress.Parse("fdaa:0:1::2"), overV6.Gateway);
        Assert.Equal("10.90.0.0/16 via inet6 fdaa:0:1::2 dev eth0", overV6.Text);

        var multipath = routes.Single(r => r.Destination == IPNetwork.Parse("10.95.0.0/16"));
        Assert.Null(multipath.Gateway);
        Assert.Equal([("198.51.100.2", 1), ("198.51.100.3", 2)], multipath.Nexthops.Select(h => (h.Gateway!.ToString(), h.Weight)));

        Assert.Equal(["blackhole", "prohibit", "throw", "unreachable"],
            routes.Where(r => r.Device is null && r.Gateway is null && r.Nexthops.IsEmpty).Select(r => r.Type).Order());
        var table100 = routes.Where(r => r.Table == "100").ToList();
        Assert.Contains(table100, r => r.IsDefault && r.Gateway!.Equals(IPAddress.Parse("198.51.100.2")));
        Assert.Contains(table100, r => r.Text == "throw 10.91.0.0/16 table 100");
        Assert.Contains(table100, r => r.Text == "192.0.2.64/26 dev wg0 table 100 proto static scope link");

        // Host routes come without "/32".
        var local = routes.Single(r => r.Type == "local" && r.Device == "wg0");
        Assert.Equal((IPNetwork.Parse("203.0.113.1/32"), "local", "kernel", "host"), (local.Destination, local.Table, local.Protocol, local.Scope));
        Assert.Equal("local 203.0.113.1 dev wg0 table local proto kernel scope host src 203.0.113.1", local.Text);
    }

    [Fact]
    public void Ipv6Routes_HaveMetricsAndDevicesOnBlackholes()
    {
        var routes = IpJsonParser.ParseRoutes(NetworkFixtures.Read("ip-route6-server.json"), AddressFamily.InterNetworkV6);

        var viaPeer = routes.Single(r => r.Destination == IPNetwork.Parse("fdaa:0:3::/48"));
        Assert.Equal((IPAddress.Parse("fdaa:0:1::2"), 1024), (viaPeer.Gateway, viaPeer.Metric));
        var blackhole = routes.Single(r => r.Type == "blackhole");
        Assert.Equal(("lo", IPNetwork.Parse("fdaa:0:4::/48")), (blackhole.Device, blackhole.Destination));
        Assert.All(routes, r => Assert.Equal(AddressFamily.InterNetworkV6, r.Family));
    }

    [Fact]
    public void Rules_ReadSelectorsMarksNegationAndActions()
    {
        var rules = IpJsonParser.ParseRules(NetworkFixtures.Read("ip-rule4-server.json"), AddressFamily.InterNetwork);

        Assert.Equal([0, 1000, 1001, 1002, 1003, 32766, 32767], rules.Select(r => r.Priority));
        var from = rules.Single(r => r.Priority == 1000);
        Assert.Equal((IPNetwork.Parse("192.0.2.128/25"), "lookup", "100"), (from.From, from.Action, from.Table));
        var marked = rules.Single(r => r.Priority == 1001);
        Assert.Equal(("0x10/0xff", "wg0", "1001: from all fwmark 0x10/0xff iif wg0 lookup 100"), (marked.FirewallMark, marked.InputInterface, marked.Text));
        var unreachable = rules.Single(r => r.Priority == 1002);
        Assert.Equal((IPNetwork.Parse("10.93.0.0/16"), "unreachable", null), (unreachable.To, unreachable.Action, unreachable.Table));
        var inverted = rules.Single(r => r.Priority == 1003);
        Assert.True(inverted.Invert);
        Assert.Equal("1003: not from 198.51.100.0/24 lookup 101", inverted.Text);
    }

    [Fact]
    public void Rules_OfWgQuickFullTunnel_KeepSuppressPrefixLengthInTheText()
    {
        var rules = IpJsonParser.ParseRules(NetworkFixtures.Read("ip-rule4-client.json"), AddressFamily.InterNetwork);

        Assert.Equal("32764: from all lookup main suppress_prefixlength 0", rules.Single(r => r.Priority == 32764).Text);
        var notMarked = rules.Single(r => r.Priority == 32765);
        Assert.Equal((true, "0xca6c", "51820"), (notMarked.Invert, notMarked.FirewallMark, notMarked.Table));
        Assert.Null(notMarked.From);
    }

    [Fact]
    public void EmptyOutput_IsNoLinks()
    {
        Assert.Empty(IpJsonParser.ParseLinks(""));
        Assert.Empty(IpJsonParser.ParseRoutes("[]", AddressFamily.InterNetwork));
    }

    [Theory]
    [InlineData("""[{"dst":"default","dev":"eth0"},{"dst":"10.0.0.0/8x","dev":"eth0"}]""", "$[1].dst", "10.0.0.0/8x")]
    [InlineData("""[{"dev":"eth0"}]""", "$[0].dst", "missing")]
    [InlineData("""[{"dst":"fd00::/8"}]""", "$[0].dst", "not an IPv4 address")]
    [InlineData("""[{"dst":"10.0.0.0/33"}]""", "$[0].dst", "out of range")]
    [InlineData("""[{"dst":"default","gateway":"nope"}]""", "$[0].gateway", "expected an IP address")]
    [InlineData("""[{"dst":"default","metric":"high"}]""", "$[0].metric", "expected a whole number")]
    [InlineData("""{"dst":"default"}""", "$", "expected an array")]
    [InlineData("""[{"dst":"default",""", "line 1", "not valid JSON")]
    public void MalformedRoutes_NameTheJsonPathAndWhatWasExpected(string json, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => IpJsonParser.ParseRoutes(json, AddressFamily.InterNetwork));

        Assert.Equal("ip -j route", error.Format);
        Assert.StartsWith(location, error.Location);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith("ip -j route output, " + location, error.Message);
    }

    [Fact]
    public void MalformedRule_WithNeitherTableNorAction_SaysSo()
    {
        var error = Assert.Throws<CaptureFormatException>(() => IpJsonParser.ParseRules("""[{"priority":5,"src":"all"}]""", AddressFamily.InterNetwork));

        Assert.Equal("ip -j rule output, $[0]: a rule with neither \"table\" nor \"action\"; expected one of them", error.Message);
    }

    [Fact]
    public void MalformedAddress_NamesTheNestedPath()
    {
        var error = Assert.Throws<CaptureFormatException>(() =>
            IpJsonParser.ParseLinks("""[{"ifindex":1,"ifname":"lo","mtu":65536,"addr_info":[{"local":"127.0.0.1"}]}]"""));

        Assert.Equal("$[0].addr_info[0].prefixlen", error.Location);
    }
}
