using System.Net;
using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class WireGuardDumpParserTests
{
    [Fact]
    public void ServerDump_GivesPeersWithAllowedIpsEndpointsAndHandshakes()
    {
        var wg0 = Assert.Single(WireGuardDumpParser.Parse(NetworkFixtures.Read("wg-dump-server.txt")));

        Assert.Equal(("wg0", true, 51820, null), (wg0.Name, wg0.HasPrivateKey, wg0.ListenPort, wg0.FirewallMark));
        Assert.Equal(2, wg0.Peers.Length);
        var client = wg0.Peers[0];
        Assert.Equal(["203.0.113.2/32", "fdaa:0:2::2/128", "192.0.2.200/32"], client.AllowedIps.Select(p => p.ToString()));
        Assert.True(client.HasPresharedKey);
        Assert.StartsWith("[fdaa:0:1::2]:", client.Endpoint);
        Assert.NotNull(client.LatestHandshake);
        Assert.True(client.ReceivedBytes > 0 && client.SentBytes > 0);
        Assert.Null(client.PersistentKeepalive);
    }

    [Fact]
    public void APeerThatNeverHandshook_HasNoEndpointNoHandshakeAndNoTraffic()
    {
        var absent = WireGuardDumpParser.Parse(NetworkFixtures.Read("wg-dump-server.txt"))[0].Peers[1];

        Assert.Equal((null, null, 0L, 0L, 25, false), (absent.Endpoint, absent.LatestHandshake, absent.ReceivedBytes, absent.SentBytes, absent.PersistentKeepalive, absent.HasPresharedKey));
        Assert.Equal([IPNetwork.Parse("203.0.113.3/32")], absent.AllowedIps.ToArray());
    }

    [Fact]
    public void ClientAndServerDumps_NameEachOthersKeys()
    {
        var server = Assert.Single(WireGuardDumpParser.Parse(NetworkFixtures.Read("wg-dump-server.txt")));
        var client = Assert.Single(WireGuardDumpParser.Parse(NetworkFixtures.Read("wg-dump-client.txt")));

        Assert.Equal(server.PublicKey, Assert.Single(client.Peers).PublicKey);
        Assert.Equal(client.PublicKey, server.Peers[0].PublicKey);
        // wg-quick's full tunnel (AllowedIPs 0.0.0.0/0) marks its own packets.
        Assert.Equal("0xca6c", client.FirewallMark);
        Assert.Equal((15, "[fdaa:0:1::1]:51820"), (client.Peers[0].PersistentKeepalive, client.Peers[0].Endpoint));
        Assert.Equal(["0.0.0.0/0", "::/0"], client.Peers[0].AllowedIps.Select(p => p.ToString()));
    }

    [Fact]
    public void UnfilteredDump_ParsesTheSame_WithoutKeepingTheKeys()
    {
        // The shape `wg show all dump` prints before the capture's filter (keys made up for the test).
        const string privateKey = "SEcREtSEcREtSEcREtSEcREtSEcREtSEcREtSEcREt0=";
        var dump = $"wg0\t{privateKey}\tPUBPUBPUBPUBPUBPUBPUBPUBPUBPUBPUBPUBPUBPUBPU0=\t51820\toff\n"
            + "wg0\tPEERPEERPEERPEERPEERPEERPEERPEERPEERPEERPEE=\tPSKPSKPSKPSKPSKPSKPSKPSKPSKPSKPSKPSKPSKPSKPS0=\t192.0.2.7:51820\t(none)\t0\t0\t0\toff\n";

        var wg0 = Assert.Single(WireGuardDumpParser.Parse(dump));

        Assert.True(wg0.HasPrivateKey);
        Assert.True(wg0.Peers[0].HasPresharedKey);
        Assert.Empty(wg0.Peers[0].AllowedIps);
        Assert.DoesNotContain(privateKey, wg0.ToString());
    }

    [Fact]
    public void NoInterfaces_IsAnEmptyDump()
    {
        Assert.Empty(WireGuardDumpParser.Parse(""));
    }

    [Theory]
    [InlineData("wg0\t(hidden)\tPUB\t51820\n(line withheld: not the shape of an interface or peer line)\n", "line 1", "4 tab-separated fields")]
    [InlineData("wg0\t(hidden)\tPUB\t51820\toff\n(line withheld: not the shape of an interface or peer line)\n", "line 2", "1 tab-separated fields")]
    [InlineData("wg1\tPEER\t(none)\t(none)\t10.0.0.0/8\t0\t0\t0\toff\n", "line 1", "a peer of \"wg1\" before any line of that interface")]
    [InlineData("wg0\t(hidden)\tPUB\tnone\toff\n", "line 1", "listen port \"none\" is not a whole number")]
    [InlineData("wg0\t(hidden)\tPUB\t1\toff\nwg0\tPEER\t(none)\t(none)\t10.0.0.0/40\t0\t0\t0\toff\n", "line 2", "allowed IP \"10.0.0.0/40\" is not a prefix")]
    public void MalformedDump_NamesTheLineAndWhatWasExpected(string dump, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => WireGuardDumpParser.Parse(dump));

        Assert.Equal(("wg show all dump", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
