using System.Net;
using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class SsParserTests
{
    [Fact]
    public void Listeners_GiveAddressPortProcessAndDevice()
    {
        var sockets = SsParser.Parse(NetworkFixtures.Read("ss-server.txt"));

        Assert.Equal(9, sockets.Length);
        var web = sockets.Single(s => s.Port == 8080);
        Assert.Equal(("tcp", IPAddress.Parse("203.0.113.1"), "python3", null, false), (web.Protocol, web.Address, web.Process, web.Interface, web.DualStack));
        Assert.NotNull(web.ProcessId);
        // wireguard-go listens on two sockets, IPv4 and IPv6-only; kernel WireGuard shows no process at all.
        Assert.Equal([("udp", "0.0.0.0", "wireguard-go"), ("udp", "::", "wireguard-go")],
            sockets.Where(s => s.Port == 51820).Select(s => (s.Protocol, s.Address.ToString(), s.Process!)));
    }

    [Fact]
    public void Wildcards_TellDualStackFromIpv6Only_AndDevicesAreSplitOff()
    {
        var sockets = SsParser.Parse(NetworkFixtures.Read("ss-server.txt")).Where(s => s.Port is >= 5000 and <= 5005).ToDictionary(s => s.Port);

        Assert.Equal((IPAddress.IPv6Any, true), (sockets[5004].Address, sockets[5004].DualStack)); // "*:5004"
        Assert.Equal((IPAddress.IPv6Any, false), (sockets[5005].Address, sockets[5005].DualStack)); // "[::]:5005"
        Assert.Equal((IPAddress.Any, "eth0"), (sockets[5001].Address, sockets[5001].Interface)); // "0.0.0.0%eth0:5001"
        Assert.Equal(("udp", IPAddress.IPv6Any, "eth0", true), (sockets[5000].Protocol, sockets[5000].Address, sockets[5000].Interface, sockets[5000].DualStack)); // "*%eth0:5000"
        Assert.Equal(IPAddress.Parse("::ffff:127.0.0.1"), sockets[5003].Address);
        Assert.Equal(IPAddress.Parse("fdaa:0:1::1"), sockets[5002].Address);
    }

    [Fact]
    public void ASocketWhoseProcessIsNotVisible_HasNoProcess()
    {
        var socket = Assert.Single(SsParser.Parse("tcp   LISTEN 0      128    0.0.0.0:2024 0.0.0.0:*\n"));

        Assert.Equal((2024, null, null), (socket.Port, socket.Process, socket.ProcessId));
    }

    [Fact]
    public void ProcessNamesWithSpaces_AreKept()
    {
        var socket = Assert.Single(SsParser.Parse("tcp LISTEN 0 5 127.0.0.1:6010 0.0.0.0:* users:((\"tmux: server\",pid=42,fd=7))\n"));

        Assert.Equal(("tmux: server", 42), (socket.Process, socket.ProcessId));
    }

    [Theory]
    [InlineData("tcp LISTEN 0 5 0.0.0.0:22\n", "line 1", "5 columns; expected at least 6")]
    [InlineData("\nu_str LISTEN 0 5 /run/x.sock 0 * 0\n", "line 2", "socket type \"u_str\"")]
    [InlineData("tcp LISTEN 0 5 0.0.0.0:ssh 0.0.0.0:*\n", "line 1", "does not end in \":<port>\"")]
    [InlineData("tcp LISTEN 0 5 localhost:22 0.0.0.0:*\n", "line 1", "\"localhost\" in \"localhost:22\" is not an IP address")]
    public void MalformedLines_NameTheLineAndWhatWasExpected(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => SsParser.Parse(text));

        Assert.Equal(("ss -H -lntup", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
